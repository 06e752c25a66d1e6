def who():
    return "layer_a"
