/** `mt.io`: saving and loading state dicts (the `safetensors` format PyTorch uses). */
