/** Applies the theme choice: `system` leaves it to the OS (prefers-color-scheme). */
export function applyTheme(theme: 'system' | 'light' | 'dark'): void {
  if (typeof document === 'undefined') return;
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
