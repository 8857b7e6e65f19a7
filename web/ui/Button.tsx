import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { Link, type LinkProps } from './router.js';

export type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  /** Shows a spinner and blocks further clicks while a request runs. */
  busy?: boolean;
  size?: 'normal' | 'large' | 'small';
  children: ReactNode;
}

function classes(variant: ButtonVariant, size: string, extra: string | undefined): string {
  return ['btn', `btn--${variant}`, size === 'normal' ? '' : `btn--${size}`, extra ?? '']
    .filter(Boolean)
    .join(' ');
}

export function Button({
  variant = 'primary',
  busy = false,
  size = 'normal',
  type = 'button',
  className,
  disabled,
  children,
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      className={classes(variant, size, className)}
      disabled={disabled === true || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy && <span className="spinner spinner--inline" aria-hidden="true" />}
      {children}
    </button>
  );
}

export interface ButtonLinkProps extends LinkProps {
  variant?: ButtonVariant;
  size?: 'normal' | 'large' | 'small';
}

/** A link that looks like a button (navigation stays a link for assistive tech). */
export function ButtonLink({ variant = 'primary', size = 'normal', className, ...rest }: ButtonLinkProps) {
  return <Link className={classes(variant, size, className)} {...rest} />;
}

export function ButtonRow({
  children,
  align = 'start',
}: {
  children: ReactNode;
  align?: 'start' | 'between' | 'end';
}) {
  return <div className={`btn-row btn-row--${align}`}>{children}</div>;
}
