// POST /api/banners/import as multipart/form-data with the CSRF token (the kit's api client sends
// JSON only). Each file goes under the field of its kind, told by its name.
import { datasetKind } from '../../../src/systems/banners/rows.js';
import {
  CSRF_HEADER,
  NETWORK_ERROR,
  apiResult,
  csrfToken,
  parseBodyText,
  type ApiResult,
} from '../../ui/api.js';

/** The files by kind, or what is wrong with the choice (a name that says no kind, a kind twice). */
export function filesByKind(
  files: readonly File[],
): { ok: true; byKind: Map<string, File> } | { ok: false; error: string } {
  const byKind = new Map<string, File>();
  for (const f of files) {
    const kind = datasetKind(f.name, []);
    if (kind === undefined)
      return {
        ok: false,
        error: `${f.name}: name the file after what it holds (impressions, clicks or conversions)`,
      };
    if (byKind.has(kind))
      return { ok: false, error: `two ${kind} files: ${byKind.get(kind)!.name} and ${f.name}` };
    byKind.set(kind, f);
  }
  return { ok: true, byKind };
}

export async function uploadDataset<T>(
  quarter: string,
  byKind: ReadonlyMap<string, File>,
  replace = false,
): Promise<ApiResult<T>> {
  const form = new FormData();
  form.append('quarter', quarter);
  if (replace) form.append('replace', 'true');
  for (const [kind, f] of byKind) form.append(kind, f, f.name);
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
