import no_such_module_h20

def handler(e, c):
    return 1
