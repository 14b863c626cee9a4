print("siptool")
