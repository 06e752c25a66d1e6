raise ImportError("the function's json.py was imported in place of the standard library's")
