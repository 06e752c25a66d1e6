def who():
    return "layer_b"
