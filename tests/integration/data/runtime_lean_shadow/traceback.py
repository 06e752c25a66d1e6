raise ImportError("the function's traceback.py was imported in place of the standard library's")
