raise ImportError("the function's logging.py was imported in place of the standard library's")
