/** `mt.io`: saving and loading state dicts (the `safetensors` format PyTorch uses). */
export {
  type LoadOptions,
  load,
  MAX_FILE_BYTES,
  readSafetensors,
  type SaveOptions,
  save,
} from "./files.js";
export {
  type DecodedSafetensors,
  type DecodeOptions,
  decodeSafetensors,
  type EncodeOptions,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  type SafetensorsMetadata,
} from "./safetensors.js";
