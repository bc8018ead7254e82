/** Saves text as a file through the browser's download (Blob + object URL + <a download>). */
export function downloadText(fileName: string, mimeType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; the URL is kept a little in case the browser reads it late.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
