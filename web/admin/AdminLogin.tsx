import { useEffect, useState, type FormEvent } from 'react';
import { api, errorMessage, isAbort } from '../ui/api.js';
import { Button } from '../ui/Button.js';
import { fieldId, FormAlert, TextField } from '../ui/fields.js';
import { Layout, PageHeading } from '../ui/Layout.js';

export const DEFAULT_NEXT = '/hiring/admin';

/** Only same-site paths: "/x" yes; "//host", "/\host", "https://…" no. */
export function safeNext(raw: string | null): string {
  if (raw === null || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\'))
    return DEFAULT_NEXT;
  try {
    const url = new URL(raw, window.location.origin);
    if (url.origin !== window.location.origin) return DEFAULT_NEXT;
    return url.pathname + url.search + url.hash;
  } catch {
    return DEFAULT_NEXT;
  }
}

export function AdminLogin() {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // Already logged in: straight on to the admin pages (or where `next` points) instead of the form.
  const [checking, setChecking] = useState(true);
  const focusPassword = () => document.getElementById(fieldId('password'))?.focus();

  useEffect(() => {
    const controller = new AbortController();
    api
      .get<{ admin?: boolean }>('/api/admin/session', { signal: controller.signal })
      .then((result) => {
        if (result.ok && result.data.admin === true) {
          window.location.replace(safeNext(new URLSearchParams(window.location.search).get('next')));
          return;
        }
        setChecking(false);
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setChecking(false);
      });
    return () => controller.abort();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (password === '') {
      setError('Enter the admin password');
      setFormError(undefined);
      focusPassword();
      return;
    }
    setBusy(true);
    setError(undefined);
    setFormError(undefined);
    const result = await api.post<{ admin?: boolean }>('/api/admin/login', { password });
    if (result.ok) {
      window.location.assign(safeNext(new URLSearchParams(window.location.search).get('next')));
      return;
    }
    setBusy(false);
    if (result.status === 401) {
      setError(typeof result.data.error === 'string' ? result.data.error : 'wrong password');
    } else if (result.status === 429) {
      setError('Too many attempts, wait a minute');
    } else {
      setFormError(errorMessage(result));
    }
    focusPassword();
  };

  if (checking)
    return (
      <Layout section="Admin" width="narrow">
        <p className="notice" role="status">
          Checking your session…
        </p>
      </Layout>
    );

  return (
    <Layout section="Admin" width="narrow">
      <PageHeading title="Admin login" lead="Sign in to manage applicants and see the hiring funnel.">
        Admin login
      </PageHeading>
      <form className="card form" onSubmit={submit} noValidate aria-label="Admin login">
        {formError !== undefined && <FormAlert>{formError}</FormAlert>}
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
          error={error}
          maxLength={200}
        />
        <Button type="submit" busy={busy}>
          Log in
        </Button>
        <p className="small-print" style={{ marginTop: '1.25rem' }}>
          No password yet? Unless <code>ADMIN_PASSWORD</code> is set, the server generates one at its first
          start and prints it once in the server log.
        </p>
      </form>
    </Layout>
  );
}
