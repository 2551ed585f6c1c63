import { mountAutodiff } from "./autodiff_page.js";
import { mountDigits } from "./digits_page.js";
import { mountText } from "./text_page.js";
import { mountTrain } from "./train_page.js";

/** The pages, by the hash that shows them. */
const pages: Record<string, (root: HTMLElement) => void> = {
  train: mountTrain,
  autodiff: mountAutodiff,
  digits: mountDigits,
  text: mountText,
};
const mounted = new Set<string>();

/** Shows the page the URL's hash names (Train by default), mounting it the first time. */
function show(): void {
  const name = location.hash.slice(1) in pages ? location.hash.slice(1) : "train";
  for (const section of document.querySelectorAll<HTMLElement>("section.page")) {
    section.hidden = section.id !== name;
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!mounted.has(name)) {
    mounted.add(name);
    const root = document.getElementById(name);
    if (root !== null) pages[name](root);
  }
}

window.addEventListener("hashchange", show);
show();
