/** Datasets: the course's toy 2-D problems (MNIST arrives with the Networks layer). */
export * from "./datasets.js";
