import type { CourseModule } from "../tasks.js";

/**
 * Module 2 follows docs/03-tensors.md: a layout's arithmetic (strides, positions, permuted views),
 * then broadcasting, then the reference backend's strided loops, then the backward rules that
 * carry gradients through tensor ops. Each task's tests run on the reference backend or on bare
 * layouts, never on the default cpu backend, whose fast paths are module 3's.
 */
export const tensorsModule: CourseModule = {
  id: 2,
  title: "Tensors",
  demo: {
    args: ["train", "xor", "--model", "tensor", "--backend", "reference", "--epochs", "300"],
    shows: "the xor network of module 1 as tensors, on your strided loops and backward rules",
  },
  tasks: [
    {
      id: "2.1",
      title: "strides and indexing: row-major strides, index ↔ position, permute and contiguity",
      guide: "docs/03-tensors.md#storage-shape-strides-offset",
      tests: [
        { file: "test/shape.test.ts", describe: ["stridesFromShape", "toIndex / indexToPosition"] },
        {
          file: "test/tensor_data.test.ts",
          describe: ["contiguousLayout / forEachPosition", "permuteLayout", "isContiguous"],
        },
      ],
    },
    {
      id: "2.2",
      title: "broadcasting: the broadcast shape, an output index's input index, stride-0 expand",
      guide: "docs/03-tensors.md#broadcasting",
      tests: [
        { file: "test/shape.test.ts", describe: ["shapeBroadcast", "broadcastIndex"] },
        { file: "test/tensor_data.test.ts", describe: ["expandLayout"] },
      ],
    },
    {
      id: "2.3",
      title: "the reference backend's strided map, zip and reduce loops",
      guide: "docs/03-tensors.md#one-op-table-one-backend-contract",
      tests: [
        {
          file: "test/reference_backend.test.ts",
          describe: [
            "reference backend: map",
            "reference backend: zip",
            "reference backend: reduce",
            "reference backend: copy and strided outputs",
            "reference backend: precision",
          ],
        },
      ],
    },
    {
      id: "2.4",
      title: "tensor backward rules: unbroadcast, add, mul, div, sum and the views",
      guide: "docs/03-tensors.md#tensor-autograd-the-same-engine",
      tests: [
        {
          file: "test/conformance/autograd.test.ts",
          describe: ["tensor backward rules on the reference backend"],
        },
      ],
    },
  ],
};
