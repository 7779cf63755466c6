// Copy buttons: <button data-copy="element-id"> puts that element's exact text on the clipboard.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.dataset.copied = "true";
    button.textContent = "Copied";
  } catch (error) {
    button.textContent = "Copy failed: select the text and copy it";
  }
});
