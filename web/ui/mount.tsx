import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import './ui.css';

/** Renders a page's root component into #root. */
export function mount(node: ReactNode): void {
  const container = document.getElementById('root');
  if (container === null) throw new Error('#root is missing');
  createRoot(container).render(<StrictMode>{node}</StrictMode>);
}
