/** `mt.nn.utils`: helpers around training, as `torch.nn.utils`. */
export { type ClipGradNormOptions, clipGradNorm_, clipGradValue_ } from "./clip_grad.js";
