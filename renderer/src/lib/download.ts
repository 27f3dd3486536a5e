/** Saves text as a file through the browser's download (works the same in Electron). */
export function downloadText(filename: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke after the click has been handled; some engines read the URL asynchronously.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
