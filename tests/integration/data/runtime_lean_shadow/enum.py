raise ImportError("the function's enum.py was imported in place of the standard library's")
