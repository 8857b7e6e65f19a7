// POST /api/banners/import as multipart/form-data with the CSRF token (the kit's api client sends JSON only).
import {
  CSRF_HEADER,
  NETWORK_ERROR,
  apiResult,
  csrfToken,
  parseBodyText,
  type ApiResult,
} from '../../ui/api.js';

export async function uploadDataset<T>(
  quarter: string,
  files: readonly File[],
  replace = false,
): Promise<ApiResult<T>> {
  const form = new FormData();
  form.append('quarter', quarter);
  if (replace) form.append('replace', 'true');
  for (const f of files) form.append('files', f, f.name);
  const token = await csrfToken();
  try {
    const res = await fetch('/api/banners/import', {
      method: 'POST',
      credentials: 'same-origin',
      headers:
        token === null
          ? { accept: 'application/json' }
          : { accept: 'application/json', [CSRF_HEADER]: token },
      body: form,
    });
    return apiResult<T>(res.status, parseBodyText(await res.text()));
  } catch {
    return { ok: false, status: 0, data: { error: NETWORK_ERROR } };
  }
}
