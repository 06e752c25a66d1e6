raise ImportError("the function's socket.py was imported in place of the standard library's")
