/**
 * `mt.nn.functional`: the stateless operations networks are built from (PyTorch's
 * `torch.nn.functional`), each a function of tensors; the layers in `mt.nn` wrap them as Modules.
 */
