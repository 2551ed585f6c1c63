import type { CourseModule } from "../tasks.js";

/**
 * Module 4 puts a network on the fast tensors: convolution as unfold + matmul (forward, then
 * backward), pooling as a reduction over unfolded windows, softmax and dropout, and the LeNet
 * that reads digits. The convolution and pooling tests run on the reference backend, whose
 * unfold and fold are the learner's (the cpu backend has its own kernels); each task's tests
 * need only the tasks before it, so the forward passes before any backward is written.
 */
export const networksModule: CourseModule = {
  id: 4,
  title: "Networks",
  demo: {
    args: ["train", "mnist", "--epochs", "4"],
    shows: "your LeNet learns handwritten digits: about 96% right on 2,000 it never saw",
  },
  tasks: [
    {
      id: "4.1",
      title: "convolution forward: unfold (im2col) every window into a column, then one matmul",
      guide: "docs/06-networks.md#convolution-is-a-matrix-product",
      tests: [
        {
          file: "test/conv_toolkit.test.ts",
          describe: ["convolution forward on the reference backend"],
        },
      ],
    },
    {
      id: "4.2",
      title: "convolution backward: fold (col2im), unfold's adjoint, and the gradients of x, W, b",
      guide: "docs/06-networks.md#convolution-is-a-matrix-product",
      tests: [
        {
          file: "test/conv_toolkit.test.ts",
          describe: ["convolution backward on the reference backend"],
        },
      ],
    },
    {
      id: "4.3",
      title:
        "pooling: windows cut by unfold (backward: fold), and max with its gradient to the max",
      guide: "docs/06-networks.md#pooling-and-max-with-its-gradient",
      tests: [
        {
          file: "test/pooling_toolkit.test.ts",
          describe: ["max and average pooling on the reference backend"],
        },
      ],
    },
    {
      id: "4.4",
      title: "softmax and log-softmax, stable from x − max, with their backward; inverted dropout",
      guide: "docs/06-networks.md#softmax-log-softmax-and-cross-entropy",
      tests: [
        {
          file: "test/functional.test.ts",
          describe: ["softmax, logSoftmax and dropout on the reference backend"],
        },
      ],
    },
    {
      id: "4.5",
      title: "the digit recognizer: LeNet's forward, trained on real MNIST digits",
      guide: "docs/06-networks.md#layers-optimizers-data",
      tests: [{ file: "test/mnist.test.ts", describe: ["the LeNet digit recognizer"] }],
    },
  ],
};
