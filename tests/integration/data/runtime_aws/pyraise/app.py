raise RuntimeError("config missing at import")

def handler(e, c):
    return 1
