// Native kernel of the diff engine (src/systems/diffing/engine/native-kernel.ts): the old-file scan of the
// keyless table, the engine's hottest loop (every row of the old file is split into fields and its key
// fingerprinted), the inserts of those fingerprints into the table's slots, the new file's fast
// path (runs of rows byte-identical to their predicted old row), and the copy of the new file's rows
// into their partitions when the diff is partitioned (scatterRows). Hand-written in C++ because measured speed demands it: the same loop in JavaScript
// costs ~300 ns per row, and the issue asks the engine to beat DuckDB, a native engine.
//
// It does exactly what keyless-steps.ts scanPrints does with CsvReader.next + KeyFingerprint.of
// for the plain records — one physical line, LF or CRLF terminated, quoted fields allowed, the right
// number of fields — and stops ("bails") at any other record (a bare CR, a newline inside quotes, a
// ragged row, an unterminated quote) so that the JavaScript code reads that one record, with its
// exact errors and line counting, then calls the kernel again. The fingerprint must be bit for bit
// KeyFingerprint.of's (key-fingerprint.ts): the new file's rows are fingerprinted in JavaScript and
// looked up against these. Tests compare the two on random records.
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// load32 reads words as DataView.getInt32(i, true) does in key-fingerprint.ts: only on little-endian
// hosts (x86-64, arm64). Elsewhere the build fails on purpose and the engine runs in JavaScript.
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the diff kernel assumes a little-endian host"
#endif

namespace {

const uint8_t QUOTE = 34;
const uint8_t COMMA = 44;
const uint8_t LF = 10;
const uint8_t CR = 13;

// FpTable.flags bits (row-prints.ts).
const uint8_t F_STATUS = 3;    // ST_* in the low two bits
const uint8_t ST_UNCHANGED = 1;
const uint8_t F_ONE_LINE = 4;  // the reference row is one physical line
const uint8_t F_SEEN = 8;      // seen in the new file
// FpTable.len: content lengths below this fit the 16-bit array (longer rows are JavaScript's).
const size_t LEN_BIG = 0xffff;
// FpTable offsets are 40-bit (a 32-bit low part and an 8-bit high part).
const double MAX_OFFSET = 1099511627776.0;

// Why scanKeyPrints stopped.
const int NEED_MORE = 0;  // the next record is not complete in the buffer (or the buffer is done)
const int FULL = 1;       // the output arrays are full
const int BAIL = 2;       // the next record must be read by the JavaScript code

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Index of the first byte at or after j (before end) that can be special — ',' '"' CR LF are all
// <= ',' — or end. 16 bytes at a time with SSE2: a data byte costs no branch.
inline size_t skipData(const uint8_t* buf, size_t j, size_t end) {
#if defined(__SSE2__)
  const __m128i lim = _mm_set1_epi8(static_cast<char>(COMMA));
  while (j + 16 <= end) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + j));
    const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, lim), v)));
    if (m != 0) return j + static_cast<size_t>(__builtin_ctz(m));
    j += 16;
  }
#endif
  while (j < end && buf[j] > COMMA) j++;
  return j;
}

inline uint32_t load32(const uint8_t* p) {
  uint32_t w;
  memcpy(&w, p, 4);  // little-endian host (x86-64, arm64), as DataView.getInt32(i, true)
  return w;
}

struct Print {
  uint32_t h1 = 0x9747b28cu;
  uint32_t h2 = 0x5bd1e995u;
  uint32_t total = 0;

  inline void round(uint32_t w) {
    uint32_t k1 = w * 0xcc9e2d51u;
    k1 = rotl(k1, 15);
    k1 *= 0x1b873593u;
    h1 ^= k1;
    h1 = rotl(h1, 13);
    h1 = h1 * 5u + 0xe6546b64u;
    uint32_t k2 = w * 0x85ebca6bu;
    k2 = rotl(k2, 17);
    k2 *= 0xc2b2ae35u;
    h2 ^= k2;
    h2 = rotl(h2, 11);
    h2 = h2 * 9u + 0x7f4a7c15u;
  }

  // One key field's unquoted bytes.
  inline void field(const uint8_t* s, uint32_t len) {
    total += len;
    round(len);
    uint32_t i = 0;
    const uint32_t end4 = len & ~3u;
    for (; i < end4; i += 4) round(load32(s + i));
    if (i < len) {
      uint32_t w = 1u << 24;
      for (int sh = 0; i < len; sh += 8) w |= static_cast<uint32_t>(s[i++]) << sh;
      round(w);
    }
  }

  inline void finish(uint32_t cols, uint32_t m1, uint32_t m2, int32_t* o1, int32_t* o2) {
    uint32_t a = h1 ^ total;
    a ^= a >> 16;
    a *= 0x85ebca6bu;
    a ^= a >> 13;
    a *= 0xc2b2ae35u;
    a ^= a >> 16;
    uint32_t b = h2 ^ (cols + total * 31u);
    b ^= b >> 15;
    b *= 0x2c1b3c6du;
    b ^= b >> 12;
    b *= 0x297a2d39u;
    b ^= b >> 15;
    *o1 = static_cast<int32_t>(a & m1);
    *o2 = static_cast<int32_t>(b & m2);
  }
};

// The unquoted content of a quoted field src[0, n) (src[0] is '"'), as src/platform/csv/fields.ts unquoteInto.
inline uint32_t unquote(const uint8_t* src, uint32_t n, uint8_t* dst) {
  uint32_t j = 1;
  uint32_t d = 0;
  while (j < n) {
    const uint8_t c = src[j];
    if (c == QUOTE) {
      if (j + 1 < n && src[j + 1] == QUOTE) {
        dst[d++] = QUOTE;
        j += 2;
        continue;
      }
      j++;
      break;
    }
    dst[d++] = c;
    j++;
  }
  while (j < n) dst[d++] = src[j++];
  return d;
}

// The typed array type whose elements are T.
template <typename T>
napi_typedarray_type typedArrayOf();
template <>
napi_typedarray_type typedArrayOf<uint8_t>() { return napi_uint8_array; }
template <>
napi_typedarray_type typedArrayOf<uint16_t>() { return napi_uint16_array; }
template <>
napi_typedarray_type typedArrayOf<int32_t>() { return napi_int32_array; }
template <>
napi_typedarray_type typedArrayOf<uint32_t>() { return napi_uint32_array; }
template <>
napi_typedarray_type typedArrayOf<double>() { return napi_float64_array; }

// A typed array argument of T elements (false for anything else).
template <typename T>
bool typedArg(napi_env env, napi_value v, T** data, size_t* length) {
  napi_typedarray_type type;
  void* raw;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, length, &raw, &ab, &off) != napi_ok) return false;
  if (type != typedArrayOf<T>()) return false;
  *data = static_cast<T*>(raw);
  return true;
}

// Reads exactly n arguments into argv; else throws (naming the function) and returns false.
bool takeArgs(napi_env env, napi_callback_info info, napi_value* argv, size_t n, const char* name) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc == n) return true;
  napi_throw_error(env, nullptr, name);
  return false;
}

double numberArg(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

// One record of buf from p (before end; eof: the buffer ends the file): its fields' starts, ends
// (relative to p) and quoted flags into fs, fe, fq (nCols + 1 entries), its content end and the
// position after its terminator. Returns -1 when a record was found, else why the scan stops before
// it (NEED_MORE, BAIL), exactly as scanKeyPrints documents.
struct Record {
  size_t recEnd = 0;
  size_t next = 0;
  uint32_t nFields = 0;
};

inline int readRecord(const uint8_t* buf, size_t p, size_t end, bool eof, uint32_t nCols, uint32_t* fs,
                      uint32_t* fe, uint8_t* fq, Record& r) {
  uint32_t nf = 0;
  size_t f = p;
  uint8_t quoted = 0;
  size_t j = p;
  size_t recEnd = 0;
  size_t next = 0;
  int stop = -1;  // -1: record found; else why the scan stops before it
  while (true) {
    j = skipData(buf, j, end);
    if (j >= end) {
      if (!eof) {
        stop = NEED_MORE;
      } else {
        recEnd = end;
        next = end;
      }
      break;
    }
    const uint8_t c = buf[j];
    if (c == COMMA) {
      if (nf >= nCols) {
        stop = BAIL;  // too many fields: JavaScript reports the ragged row
        break;
      }
      fs[nf] = static_cast<uint32_t>(f - p);
      fe[nf] = static_cast<uint32_t>(j - p);
      fq[nf] = quoted;
      nf++;
      f = ++j;
      quoted = 0;
      continue;
    }
    if (c == LF) {
      recEnd = j;
      next = j + 1;
      break;
    }
    if (c == CR) {
      if (j + 1 >= end) {
        if (!eof) stop = NEED_MORE;
        else stop = BAIL;
        break;
      }
      if (buf[j + 1] != LF) {
        stop = BAIL;  // a bare CR ends a record: left to JavaScript (line counting)
        break;
      }
      recEnd = j;
      next = j + 2;
      break;
    }
    if (c == QUOTE && j == f) {
      size_t k = j + 1;
      while (true) {
        if (k >= end) {
          stop = eof ? BAIL : NEED_MORE;
          break;
        }
        const uint8_t d = buf[k];
        if (d == QUOTE) {
          if (k + 1 >= end) {
            if (!eof) stop = NEED_MORE;
            break;
          }
          if (buf[k + 1] == QUOTE) {
            k += 2;
            continue;
          }
          break;
        }
        if (d == LF || d == CR) {
          stop = BAIL;  // a record of several physical lines: left to JavaScript
          break;
        }
        k++;
      }
      if (stop >= 0) break;
      quoted = 1;
      j = k + 1;
      continue;
    }
    j++;
  }
  if (stop >= 0) return stop;
  fs[nf] = static_cast<uint32_t>(f - p);
  fe[nf] = static_cast<uint32_t>(recEnd - p);
  fq[nf] = quoted;
  r.recEnd = recEnd;
  r.next = next;
  r.nFields = nf + 1;
  return -1;
}

// The key fingerprint of the record at rec whose fields readRecord found (KeyFingerprint.of's),
// masked by m1, m2; tmp holds unquoted fields.
inline void keyPrint(const uint8_t* rec, const int32_t* keyCols, size_t nKeys, const uint32_t* fs,
                     const uint32_t* fe, const uint8_t* fq, std::vector<uint8_t>& tmp, uint32_t m1,
                     uint32_t m2, int32_t* o1, int32_t* o2) {
  Print pr;
  for (size_t k = 0; k < nKeys; k++) {
    const uint32_t col = static_cast<uint32_t>(keyCols[k]);
    const uint8_t* s = rec + fs[col];
    uint32_t len = fe[col] - fs[col];
    if (fq[col]) {
      if (tmp.size() < len) tmp.resize(2 * len);
      len = unquote(s, len, tmp.data());
      s = tmp.data();
    }
    pr.field(s, len);
  }
  pr.finish(static_cast<uint32_t>(nKeys), m1, m2, o1, o2);
}

// The layout of FpTable's slots: entry + 1 in the low idxBits bits, the low bits of h1 above them as
// a tag; the home slot of h1 is its top bits scaled to the slot count (FpTable.home), exact as in
// doubles while cap << (32 - homeShift) stays below 2^53.
struct Slots {
  uint32_t idxBits, homeShift, idxMask, tagMask, homeBits;
  size_t cap;
  bool ok;
  Slots(uint32_t bits, uint32_t shift, size_t n)
      : idxBits(bits),
        homeShift(shift),
        idxMask(bits < 32 ? (1u << bits) - 1 : 0),
        tagMask(bits < 32 ? static_cast<uint32_t>((static_cast<uint64_t>(1) << (32 - bits)) - 1) : 0),
        homeBits(32 - shift),
        cap(n),
        ok(bits >= 4 && bits <= 30 && shift <= 31 && n > 0 &&
           (static_cast<uint64_t>(n) << (32 - shift)) <= (static_cast<uint64_t>(1) << 53)) {}
  inline size_t home(uint32_t a) const {
    return static_cast<size_t>((static_cast<uint64_t>(a >> homeShift) * cap) >> homeBits);
  }
};

// Every key column is one of the nCols columns; else throws (naming the function) and returns false.
bool keyColsInRange(napi_env env, const int32_t* keyCols, size_t nKeys, uint32_t nCols, const char* msg) {
  for (size_t k = 0; k < nKeys; k++) {
    if (keyCols[k] < 0 || static_cast<uint32_t>(keyCols[k]) >= nCols) {
      napi_throw_range_error(env, nullptr, msg);
      return false;
    }
  }
  return true;
}

// scanKeyPrints(buf, pos, end, eof, keyCols, nCols, mask, base, firstLine,
//               h1, h2, off, len, oneLine, line, at, state)
// Scans the records of buf[pos, end) (base: file offset of buf[0]; firstLine: line of the record at
// pos) into the output arrays from index `at`; state (Float64Array) receives
// [next position, rows written, next line, why it stopped].
napi_value ScanKeyPrints(napi_env env, napi_callback_info info) {
  napi_value argv[17];
  if (!takeArgs(env, info, argv, 17, "scanKeyPrints: 17 arguments expected")) return nullptr;
  uint8_t* buf;
  size_t bufLen;
  int32_t* keyCols;
  size_t nKeys;
  int32_t* mask;
  size_t maskLen;
  int32_t *o1, *o2;
  uint32_t* oOffLo;
  uint8_t *oOffHi, *oFlags;
  uint16_t* oLen;
  double* state;
  size_t cap, n2, n3, n4, n5, n6, nState;
  if (!typedArg(env, argv[0], &buf, &bufLen) || !typedArg(env, argv[4], &keyCols, &nKeys) ||
      !typedArg(env, argv[6], &mask, &maskLen) || !typedArg(env, argv[9], &o1, &cap) ||
      !typedArg(env, argv[10], &o2, &n2) || !typedArg(env, argv[11], &oOffLo, &n3) ||
      !typedArg(env, argv[12], &oOffHi, &n4) || !typedArg(env, argv[13], &oLen, &n5) ||
      !typedArg(env, argv[14], &oFlags, &n6) || !typedArg(env, argv[16], &state, &nState) ||
      maskLen < 2 || nState < 4) {
    napi_throw_type_error(env, nullptr, "scanKeyPrints: bad arguments");
    return nullptr;
  }
  cap = std::min({cap, n2, n3, n4, n5, n6});  // the shortest output array
  size_t p = static_cast<size_t>(numberArg(env, argv[1]));
  size_t end = static_cast<size_t>(numberArg(env, argv[2]));
  bool eof = false;
  napi_get_value_bool(env, argv[3], &eof);
  const uint32_t nCols = static_cast<uint32_t>(numberArg(env, argv[5]));
  const double base = numberArg(env, argv[7]);
  double line = numberArg(env, argv[8]);
  size_t at = static_cast<size_t>(numberArg(env, argv[15]));
  if (end > bufLen) end = bufLen;
  // base may be negative (bytes kept in front of buf's data), never base + p.
  if (base + static_cast<double>(p) < 0 || base + static_cast<double>(end) > MAX_OFFSET) {
    napi_throw_range_error(env, nullptr, "scanKeyPrints: offsets beyond 2^40");
    return nullptr;
  }
  if (!keyColsInRange(env, keyCols, nKeys, nCols, "scanKeyPrints: key column out of range")) return nullptr;

  std::vector<uint32_t> fs(nCols + 1), fe(nCols + 1);
  std::vector<uint8_t> fq(nCols + 1);
  std::vector<uint8_t> tmp(256);
  const uint32_t m1 = static_cast<uint32_t>(mask[0]);
  const uint32_t m2 = static_cast<uint32_t>(mask[1]);
  const size_t start = at;
  int why = NEED_MORE;

  while (true) {
    if (at >= cap) {
      why = FULL;
      break;
    }
    if (p >= end) {
      why = NEED_MORE;
      break;
    }
    // One record from p: fields, terminator.
    Record r;
    const int stop = readRecord(buf, p, end, eof, nCols, fs.data(), fe.data(), fq.data(), r);
    if (stop >= 0) {
      why = stop;
      break;
    }
    const size_t recEnd = r.recEnd;
    const size_t next = r.next;
    const uint32_t nFields = r.nFields;
    if (nFields == 1 && recEnd == p) {
      // A blank line: not a row.
      p = next;
      line += 1;
      continue;
    }
    if (nFields != nCols || recEnd - p >= LEN_BIG) {
      why = BAIL;  // ragged (JavaScript reports it), or too long for a 16-bit length
      break;
    }
    keyPrint(buf + p, keyCols, nKeys, fs.data(), fe.data(), fq.data(), tmp, m1, m2, &o1[at], &o2[at]);
    const uint64_t off = static_cast<uint64_t>(base + static_cast<double>(p));
    oOffLo[at] = static_cast<uint32_t>(off);
    oOffHi[at] = static_cast<uint8_t>(off >> 32);
    oLen[at] = static_cast<uint16_t>(recEnd - p);
    oFlags[at] = F_ONE_LINE;
    at++;
    line += 1;
    p = next;
  }
  state[0] = static_cast<double>(p);
  state[1] = static_cast<double>(at - start);
  state[2] = line;
  state[3] = why;
  return nullptr;
}

// indexPrints(h1, h2, n, slots, idxBits, homeShift, from, pairs, state)
// FpTable.build's inserts: entries [from, n) in order into the slots (tag << idxBits | entry + 1,
// the tag being h1's low 32 - idxBits bits; home slot FpTable.home: h1's top bits scaled to the slot
// count; linear probing). An entry whose fingerprint is already in the slots is not inserted:
// (earlier entry, entry) goes to `pairs`, and when pairs is full the call stops. The home slot of the
// entry PREFETCH rows ahead is prefetched, so the cache misses of consecutive inserts overlap.
// state (Float64Array) receives [next entry, pairs written].
const size_t PREFETCH = 16;

napi_value IndexPrints(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!takeArgs(env, info, argv, 9, "indexPrints: 9 arguments expected")) return nullptr;
  int32_t *h1, *h2, *slots, *pairs;
  double* state;
  size_t n1, n2, cap, nPairs, nState;
  if (!typedArg(env, argv[0], &h1, &n1) || !typedArg(env, argv[1], &h2, &n2) ||
      !typedArg(env, argv[3], &slots, &cap) || !typedArg(env, argv[7], &pairs, &nPairs) ||
      !typedArg(env, argv[8], &state, &nState) || nState < 2) {
    napi_throw_type_error(env, nullptr, "indexPrints: bad arguments");
    return nullptr;
  }
  const size_t n = static_cast<size_t>(numberArg(env, argv[2]));
  const uint32_t idxBits = static_cast<uint32_t>(numberArg(env, argv[4]));
  const uint32_t homeShift = static_cast<uint32_t>(numberArg(env, argv[5]));
  size_t k = static_cast<size_t>(numberArg(env, argv[6]));
  const Slots sl(idxBits, homeShift, cap);
  if (!sl.ok || n > n1 || n > n2 || n >= (static_cast<size_t>(1) << idxBits) || cap <= n) {
    napi_throw_range_error(env, nullptr, "indexPrints: sizes do not match");
    return nullptr;
  }
  const uint32_t tagShift = idxBits;
  const uint32_t idxMask = sl.idxMask;
  const uint32_t tagMask = sl.tagMask;
  auto home = [sl](uint32_t a) -> size_t { return sl.home(a); };
  const size_t maxPairs = nPairs / 2;
  size_t np = 0;
  for (; k < n; k++) {
    if (np == maxPairs) break;
    if (k + PREFETCH < n) __builtin_prefetch(&slots[home(static_cast<uint32_t>(h1[k + PREFETCH]))], 1);
    const uint32_t a = static_cast<uint32_t>(h1[k]);
    const uint32_t tag = a & tagMask;
    size_t s = home(a);
    while (true) {
      const uint32_t v = static_cast<uint32_t>(slots[s]);
      if (v == 0) {
        slots[s] = static_cast<int32_t>((tag << tagShift) | static_cast<uint32_t>(k + 1));
        break;
      }
      if ((v >> tagShift) == tag) {
        const size_t e = (v & idxMask) - 1;
        if (static_cast<uint32_t>(h1[e]) == a && h2[e] == h2[k]) {
          pairs[2 * np] = static_cast<int32_t>(e);
          pairs[2 * np + 1] = static_cast<int32_t>(k);
          np++;
          break;
        }
      }
      if (++s == cap) s = 0;
    }
  }
  state[0] = static_cast<double>(k);
  state[1] = static_cast<double>(np);
  return nullptr;
}

// Why matchRows stopped.
const int M_NEED_MORE = 0;  // the next new record is not complete in the buffer (or the buffer is done)
const int M_WINDOW = 1;     // the next predicted old row is not (wholly) in the window
const int M_OTHER = 2;      // no prediction, or the bytes differ

// matchRows(buf, pos, end, eof, win, winBase, winLen, offLo, offHi, len, flags, count, idx, line,
//           state)
// The fast path of fast-path.ts (FastPath.take on the keyless table) for a run of rows: while the
// new file's next record (buf[pos..], on line `line`) is byte for byte the one-line old row of
// entry idx (< count; bytes in win, whose win[0] is old-file offset
// winBase and which holds winLen bytes) followed by a terminator, marks the entry seen and unchanged
// (flags) and goes on with entry idx + 1. An entry already seen in the new file (a repeated key) stops
// the run: the JavaScript code records where its last row is. state (Float64Array) receives [next
// position, rows matched, next entry, why it stopped, next line].
napi_value MatchRows(napi_env env, napi_callback_info info) {
  napi_value argv[15];
  if (!takeArgs(env, info, argv, 15, "matchRows: 15 arguments expected")) return nullptr;
  uint8_t *buf, *win, *offHi, *flags;
  uint32_t* offLo;
  uint16_t* lens;
  double* state;
  size_t bufLen, winSize, n1, n2, n3, n4, nState;
  if (!typedArg(env, argv[0], &buf, &bufLen) || !typedArg(env, argv[4], &win, &winSize) ||
      !typedArg(env, argv[7], &offLo, &n1) || !typedArg(env, argv[8], &offHi, &n2) ||
      !typedArg(env, argv[9], &lens, &n3) || !typedArg(env, argv[10], &flags, &n4) ||
      !typedArg(env, argv[14], &state, &nState) || nState < 5) {
    napi_throw_type_error(env, nullptr, "matchRows: bad arguments");
    return nullptr;
  }
  size_t pos = static_cast<size_t>(numberArg(env, argv[1]));
  size_t end = static_cast<size_t>(numberArg(env, argv[2]));
  bool eof = false;
  napi_get_value_bool(env, argv[3], &eof);
  const double winBase = numberArg(env, argv[5]);
  size_t winLen = static_cast<size_t>(numberArg(env, argv[6]));
  size_t count = static_cast<size_t>(numberArg(env, argv[11]));
  size_t idx = static_cast<size_t>(numberArg(env, argv[12]));
  double line = numberArg(env, argv[13]);
  if (end > bufLen) end = bufLen;
  if (winLen > winSize) winLen = winSize;
  count = std::min({count, n1, n2, n3, n4});  // no entry beyond the shortest array
  size_t rows = 0;
  int why = M_OTHER;
  while (true) {
    if (idx >= count || (flags[idx] & (F_ONE_LINE | F_SEEN)) != F_ONE_LINE) {
      why = M_OTHER;
      break;
    }
    const double o =
        static_cast<double>((static_cast<uint64_t>(offHi[idx]) << 32) | offLo[idx]) - winBase;
    const size_t len = lens[idx];
    if (o < 0 || o + static_cast<double>(len) > static_cast<double>(winLen)) {
      why = M_WINDOW;
      break;
    }
    const size_t e = pos + len;
    if (e > end) {
      why = M_NEED_MORE;
      break;
    }
    if (memcmp(buf + pos, win + static_cast<size_t>(o), len) != 0) {
      why = M_OTHER;
      break;
    }
    // A terminator (or the end of the file) must follow, as CsvReader.consumeEqual checks.
    size_t next;
    if (e == end) {
      if (!eof) {
        why = M_NEED_MORE;
        break;
      }
      next = e;
    } else if (buf[e] == LF) {
      next = e + 1;
    } else if (buf[e] == CR) {
      if (e + 1 == end) {
        if (!eof) {
          why = M_NEED_MORE;
          break;
        }
        next = e + 1;
      } else {
        next = buf[e + 1] == LF ? e + 2 : e + 1;
      }
    } else {
      why = M_OTHER;
      break;
    }
    flags[idx] = static_cast<uint8_t>((flags[idx] & ~F_STATUS) | F_SEEN | ST_UNCHANGED);
    pos = next;
    line += 1;
    idx++;
    rows++;
  }
  state[0] = static_cast<double>(pos);
  state[1] = static_cast<double>(rows);
  state[2] = static_cast<double>(idx);
  state[3] = why;
  state[4] = line;
  return nullptr;
}

// matchByKey(buf, pos, end, eof, keyCols, nCols, mask, win, winLen, h1, h2, offLo, offHi, len, flags,
//            count, slots, idxBits, homeShift, line, pendStart, pendLine, pendEntry, pendKind, pendEnd,
//            pendValue, valCol, state)
// The new-file scan of the keyless table when the new file is in another order than the old one and
// the old rows are all in memory (win: the old file from offset 0, winLen bytes), for a batch of the
// plain records (as scanKeyPrints reads them) from buf[pos] (on line `line`): each record's key
// fingerprint (masked by `mask`) is looked up in the table's slots (FpTable: tag << idxBits | entry
// + 1, home slot from h1's top bits, linear probing). A record that is byte for byte the one-line old
// row of the old entry (< count) it finds marks that entry seen and unchanged (flags); byte-identical
// rows have the same key, so no key check is needed, nor even the fingerprint's: a candidate entry
// (its slot's tag matches) whose old row has the record's bytes is the key's entry. Every other record (another value, a key not
// found, a key only in the new file) is left to the JavaScript code: its start, line and entry (-1:
// none) go to the pending arrays, and its entry is marked F_PENDING. The batch ends before a record
// that is not plain, one whose entry is already seen or pending (a repeated key: the JavaScript code
// must see the rows of a key in file order), when the pending arrays are full, or at the buffer's end.
// With a value column (valCol >= 0, not a key column), a record whose bytes are the old row's but
// for an unquoted value (a near miss) is pending as P_VALUE (pendKind), with the new and old values'
// spans in pendValue (buffer positions, window offsets: 4 numbers a record); pendEnd: its end.
// The fingerprints of the next records are computed ahead, and the slots, entry arrays and old rows
// they will look at prefetched in stages, so that the cache misses of consecutive lookups overlap.
// state (Float64Array) receives [position after the batch, rows marked unchanged, line after the
// batch, why it ended (M_NEED_MORE: at an incomplete record; M_OTHER: any other), pending records].
const size_t AHEAD = 16;
const size_t STAGE_B = 8;
const size_t STAGE_C = 4;
const uint8_t F_PENDING = 128;
// What a pending record needs (pendKind): the general path, or only its value compared (a near miss).
const uint8_t P_GENERAL = 0;
const uint8_t P_VALUE = 1;

napi_value MatchByKey(napi_env env, napi_callback_info info) {
  napi_value argv[28];
  if (!takeArgs(env, info, argv, 28, "matchByKey: 28 arguments expected")) return nullptr;
  uint8_t *buf, *win, *offHi, *flags, *pendKind;
  int32_t *keyCols, *mask, *h1, *h2, *slots, *pendEntry;
  uint32_t* offLo;
  uint16_t* lens;
  double *state, *pendStart, *pendLine, *pendEnd, *pendValue;
  size_t bufLen, nKeys, maskLen, winSize, n1, n2, n3, n4, n5, n6, cap, nState, np1, np2, np3, np4, np5,
      np6;
  if (!typedArg(env, argv[0], &buf, &bufLen) || !typedArg(env, argv[4], &keyCols, &nKeys) ||
      !typedArg(env, argv[6], &mask, &maskLen) || !typedArg(env, argv[7], &win, &winSize) ||
      !typedArg(env, argv[9], &h1, &n1) || !typedArg(env, argv[10], &h2, &n2) ||
      !typedArg(env, argv[11], &offLo, &n3) || !typedArg(env, argv[12], &offHi, &n4) ||
      !typedArg(env, argv[13], &lens, &n5) || !typedArg(env, argv[14], &flags, &n6) ||
      !typedArg(env, argv[16], &slots, &cap) || !typedArg(env, argv[20], &pendStart, &np1) ||
      !typedArg(env, argv[21], &pendLine, &np2) || !typedArg(env, argv[22], &pendEntry, &np3) ||
      !typedArg(env, argv[23], &pendKind, &np4) || !typedArg(env, argv[24], &pendEnd, &np5) ||
      !typedArg(env, argv[25], &pendValue, &np6) || !typedArg(env, argv[27], &state, &nState) ||
      maskLen < 2 || nState < 5) {
    napi_throw_type_error(env, nullptr, "matchByKey: bad arguments");
    return nullptr;
  }
  size_t p = static_cast<size_t>(numberArg(env, argv[1]));
  size_t end = static_cast<size_t>(numberArg(env, argv[2]));
  bool eof = false;
  napi_get_value_bool(env, argv[3], &eof);
  const uint32_t nCols = static_cast<uint32_t>(numberArg(env, argv[5]));
  size_t winLen = static_cast<size_t>(numberArg(env, argv[8]));
  size_t count = static_cast<size_t>(numberArg(env, argv[15]));
  const uint32_t idxBits = static_cast<uint32_t>(numberArg(env, argv[17]));
  const uint32_t homeShift = static_cast<uint32_t>(numberArg(env, argv[18]));
  double line = numberArg(env, argv[19]);
  if (end > bufLen) end = bufLen;
  if (winLen > winSize) winLen = winSize;
  count = std::min({count, n1, n2, n3, n4, n5, n6});  // no entry beyond the shortest array
  const size_t maxPending = std::min({np1, np2, np3, np4, np5, np6 / 4});
  const double valArg = numberArg(env, argv[26]);
  const bool nearMiss = valArg >= 0 && valArg < nCols;
  const uint32_t valCol = nearMiss ? static_cast<uint32_t>(valArg) : 0;
  const Slots sl(idxBits, homeShift, cap);
  if (!sl.ok || maxPending == 0) {
    napi_throw_range_error(env, nullptr, "matchByKey: sizes do not match");
    return nullptr;
  }
  if (!keyColsInRange(env, keyCols, nKeys, nCols, "matchByKey: key column out of range")) return nullptr;
  const uint32_t idxMask = sl.idxMask;
  const uint32_t tagMask = sl.tagMask;
  auto home = [sl](uint32_t a) -> size_t { return sl.home(a); };
  const uint32_t m1 = static_cast<uint32_t>(mask[0]);
  const uint32_t m2 = static_cast<uint32_t>(mask[1]);
  std::vector<uint32_t> fs(nCols + 1), fe(nCols + 1);
  std::vector<uint8_t> fq(nCols + 1);
  std::vector<uint8_t> tmp(256);

  // The records read ahead: [head, tail) of a ring, each with its fingerprint; `scan` is the
  // position after the last one read, `scanLine` its line; `scanStop` why reading stopped (-1: it
  // has not).
  struct Ahead {
    size_t start, recEnd, next;
    double line;
    uint32_t a, b;
    // The value field [vs, ve) relative to start, and whether it is quoted (no near miss then).
    uint32_t vs, ve;
    bool vq;
  };
  Ahead ring[AHEAD];
  size_t head = 0, tail = 0;
  size_t scan = p;
  double scanLine = line;
  int scanStop = -1;
  auto readAhead = [&]() {
    while (scanStop < 0 && tail - head < AHEAD) {
      Record r;
      const int stop = readRecord(buf, scan, end, eof, nCols, fs.data(), fe.data(), fq.data(), r);
      if (stop >= 0) {
        scanStop = stop == NEED_MORE ? M_NEED_MORE : M_OTHER;
        return;
      }
      if (r.nFields != nCols || (r.nFields == 1 && r.recEnd == scan) || r.recEnd - scan >= LEN_BIG) {
        scanStop = M_OTHER;  // a blank line, a ragged row, a long one: the JavaScript code's
        return;
      }
      Ahead& x = ring[tail % AHEAD];
      int32_t a, b;
      keyPrint(buf + scan, keyCols, nKeys, fs.data(), fe.data(), fq.data(), tmp, m1, m2, &a, &b);
      x.start = scan;
      x.vs = nearMiss ? fs[valCol] : 0;
      x.ve = nearMiss ? fe[valCol] : 0;
      x.vq = !nearMiss || fq[valCol] != 0;
      x.recEnd = r.recEnd;
      x.next = r.next;
      x.line = scanLine;
      x.a = static_cast<uint32_t>(a);
      x.b = static_cast<uint32_t>(b);
      __builtin_prefetch(&slots[home(x.a)], 0);
      tail++;
      scan = r.next;
      scanLine += 1;
    }
  };
  // The candidate entry of fingerprint half a (the first slot from its home with its tag; a hint).
  auto candidate = [&](uint32_t a) -> size_t {
    const uint32_t v = static_cast<uint32_t>(slots[home(a)]);
    return v != 0 && (v >> idxBits) == (a & tagMask) ? (v & idxMask) - 1 : SIZE_MAX;
  };

  size_t rows = 0;
  size_t pending = 0;
  int why = M_OTHER;
  while (pending < maxPending) {
    readAhead();
    if (head == tail) {
      why = scanStop < 0 ? M_OTHER : scanStop;
      break;
    }
    if (head + STAGE_B < tail) {
      const size_t i = candidate(ring[(head + STAGE_B) % AHEAD].a);
      if (i < count) {
        __builtin_prefetch(&flags[i], 1);
        __builtin_prefetch(&lens[i], 0);
        __builtin_prefetch(&offLo[i], 0);
        __builtin_prefetch(&offHi[i], 0);
      }
    }
    if (head + STAGE_C < tail) {
      const size_t i = candidate(ring[(head + STAGE_C) % AHEAD].a);
      if (i < count) {
        const uint64_t o = (static_cast<uint64_t>(offHi[i]) << 32) | offLo[i];
        if (o + 128 <= winLen) {
          __builtin_prefetch(win + o, 0);
          __builtin_prefetch(win + o + 64, 0);
        }
      }
    }
    const Ahead& x = ring[head % AHEAD];
    const uint32_t tag = x.a & tagMask;
    const size_t len = x.recEnd - x.start;
    size_t s = home(x.a);
    size_t e = SIZE_MAX;
    // What the record is to its entry: the same bytes, the same but the value (a near miss: the
    // values' spans go to pendValue), or to be seen by the general path.
    enum { OTHER, SAME, NEAR } how = OTHER;
    double ovs = 0, ove = 0;
    while (true) {
      const uint32_t v = static_cast<uint32_t>(slots[s]);
      if (v == 0) break;
      if ((v >> idxBits) == tag) {
        const size_t i = (v & idxMask) - 1;
        if (i >= count) break;  // a key only in the new file (its fingerprint is JavaScript's)
        // Byte for byte the entry's old row, or all of it but an unquoted value (one plain field in
        // the old row too: the same fields but the value, as keyless-steps.ts valueOnlyDiffers):
        // the same key, so this is its entry, with no fingerprint check (most rows of a re-export
        // end here, touching no more of the entry's arrays).
        const uint64_t o = (static_cast<uint64_t>(offHi[i]) << 32) | offLo[i];
        const size_t oldLen = lens[i];
        if ((flags[i] & F_ONE_LINE) != 0 && o + oldLen <= winLen) {
          const uint8_t* old = win + o;
          if (oldLen == len && memcmp(buf + x.start, old, len) == 0) {
            e = i;
            how = SAME;
            break;
          }
          const size_t suffix = len - x.ve;
          if (!x.vq && oldLen >= x.vs + suffix && memcmp(buf + x.start, old, x.vs) == 0 &&
              memcmp(buf + x.start + x.ve, old + oldLen - suffix, suffix) == 0) {
            bool plain = true;
            for (size_t k = x.vs; k < oldLen - suffix && plain; k++) {
              const uint8_t c = old[k];
              plain = c != QUOTE && c != COMMA && c != LF && c != CR;
            }
            if (plain) {
              e = i;
              how = NEAR;
              ovs = static_cast<double>(o + x.vs);
              ove = static_cast<double>(o + oldLen - suffix);
              break;
            }
          }
        }
        if (static_cast<uint32_t>(h1[i]) == x.a && static_cast<uint32_t>(h2[i]) == x.b) {
          e = i;
          break;
        }
      }
      if (++s == cap) s = 0;
    }
    if (e != SIZE_MAX) {
      const uint8_t f = flags[e];
      if ((f & (F_SEEN | F_PENDING)) != 0) break;  // a repeated key: the JavaScript code's, in order
      if (how == SAME) {
        flags[e] = static_cast<uint8_t>((f & ~F_STATUS) | F_SEEN | ST_UNCHANGED);
        rows++;
      } else {
        flags[e] = static_cast<uint8_t>(f | F_PENDING);
        pendEntry[pending] = static_cast<int32_t>(e);
        pendStart[pending] = static_cast<double>(x.start);
        pendLine[pending] = x.line;
        pendEnd[pending] = static_cast<double>(x.recEnd);
        pendKind[pending] = how == NEAR ? P_VALUE : P_GENERAL;
        if (how == NEAR) {
          double* pv = pendValue + 4 * pending;
          pv[0] = static_cast<double>(x.start + x.vs);
          pv[1] = static_cast<double>(x.start + x.ve);
          pv[2] = ovs;
          pv[3] = ove;
        }
        pending++;
      }
    } else {
      pendEntry[pending] = -1;
      pendStart[pending] = static_cast<double>(x.start);
      pendLine[pending] = x.line;
      pendEnd[pending] = static_cast<double>(x.recEnd);
      pendKind[pending] = P_GENERAL;
      pending++;
    }
    p = x.next;
    line = x.line + 1;
    head++;
  }
  state[0] = static_cast<double>(p);
  state[1] = static_cast<double>(rows);
  state[2] = line;
  state[3] = why;
  state[4] = static_cast<double>(pending);
  return nullptr;
}

// scatterRows(src, base, h2, offLo, offHi, len, from, count, nParts, dst, regionSize, fill, partPos,
//             offs, offsRegion, offsFill, state)
// The keyless partitioned path's split of the new file (keyless-partitioned.ts splitKeyless): rows
// [from, count) of a scan batch (RowPrints arrays; their bytes in src, src[0] being file offset
// base) go to their partition (top bits of h2 scaled to nParts): the row's bytes and a '\n' are
// appended to the partition's region of dst (region p: dst[p * regionSize, +regionSize), fill[p]
// bytes used), and the pair (offset in the partition file = partPos[p] + fill[p], offset in the
// file) to its region of offs (offsRegion float64s per partition, offsFill[p] used). The call stops
// before a row that does not fit its partition's regions (state [row, partition]: the caller
// flushes that partition and calls again) or whose length is the 16-bit marker of a long row
// (state [row, -2]: the caller copies it); state [count, -1] when all rows are done.
napi_value ScatterRows(napi_env env, napi_callback_info info) {
  napi_value argv[17];
  if (!takeArgs(env, info, argv, 17, "scatterRows: 17 arguments expected")) return nullptr;
  uint8_t *src, *dst, *offHi;
  int32_t* h2;
  uint32_t* offLo;
  uint16_t* lens;
  double *fill, *partPos, *offs, *offsFill, *state;
  size_t srcLen, n1, n2, n3, n4, dstLen, nFill, nPos, nOffs, nOffsFill, nState;
  if (!typedArg(env, argv[0], &src, &srcLen) || !typedArg(env, argv[2], &h2, &n1) ||
      !typedArg(env, argv[3], &offLo, &n2) || !typedArg(env, argv[4], &offHi, &n3) ||
      !typedArg(env, argv[5], &lens, &n4) || !typedArg(env, argv[9], &dst, &dstLen) ||
      !typedArg(env, argv[11], &fill, &nFill) || !typedArg(env, argv[12], &partPos, &nPos) ||
      !typedArg(env, argv[13], &offs, &nOffs) || !typedArg(env, argv[15], &offsFill, &nOffsFill) ||
      !typedArg(env, argv[16], &state, &nState) || nState < 2) {
    napi_throw_type_error(env, nullptr, "scatterRows: bad arguments");
    return nullptr;
  }
  const double base = numberArg(env, argv[1]);
  size_t k = static_cast<size_t>(numberArg(env, argv[6]));
  size_t count = static_cast<size_t>(numberArg(env, argv[7]));
  const size_t nParts = static_cast<size_t>(numberArg(env, argv[8]));
  const size_t regionSize = static_cast<size_t>(numberArg(env, argv[10]));
  const size_t offsRegion = static_cast<size_t>(numberArg(env, argv[14]));
  if (count > n1 || count > n2 || count > n3 || count > n4 || nParts == 0 || nFill < nParts ||
      nPos < nParts || nOffsFill < nParts || regionSize * nParts > dstLen || offsRegion < 2 ||
      offsRegion * nParts > nOffs) {
    napi_throw_range_error(env, nullptr, "scatterRows: sizes do not match");
    return nullptr;
  }
  int stopPart = -1;
  for (; k < count; k++) {
    const size_t len = lens[k];
    if (len == LEN_BIG) {
      stopPart = -2;
      break;
    }
    const size_t p = static_cast<size_t>((static_cast<uint64_t>(static_cast<uint32_t>(h2[k])) * nParts) >> 32);
    const size_t used = static_cast<size_t>(fill[p]);
    const size_t usedOffs = static_cast<size_t>(offsFill[p]);
    if (used + len + 1 > regionSize || usedOffs + 2 > offsRegion) {
      stopPart = static_cast<int>(p);
      break;
    }
    const double off = static_cast<double>((static_cast<uint64_t>(offHi[k]) << 32) | offLo[k]);
    const double at = off - base;
    if (at < 0 || at + static_cast<double>(len) > static_cast<double>(srcLen)) {
      napi_throw_range_error(env, nullptr, "scatterRows: a row outside the source buffer");
      return nullptr;
    }
    uint8_t* d = dst + p * regionSize + used;
    memcpy(d, src + static_cast<size_t>(at), len);
    d[len] = LF;
    double* o = offs + p * offsRegion + usedOffs;
    o[0] = partPos[p] + static_cast<double>(used);
    o[1] = off;
    fill[p] = static_cast<double>(used + len + 1);
    offsFill[p] = static_cast<double>(usedOffs + 2);
  }
  state[0] = static_cast<double>(k);
  state[1] = stopPart;
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "scanKeyPrints", NAPI_AUTO_LENGTH, ScanKeyPrints, nullptr, &fn);
  napi_set_named_property(env, exports, "scanKeyPrints", fn);
  napi_create_function(env, "indexPrints", NAPI_AUTO_LENGTH, IndexPrints, nullptr, &fn);
  napi_set_named_property(env, exports, "indexPrints", fn);
  napi_create_function(env, "matchRows", NAPI_AUTO_LENGTH, MatchRows, nullptr, &fn);
  napi_set_named_property(env, exports, "matchRows", fn);
  napi_create_function(env, "matchByKey", NAPI_AUTO_LENGTH, MatchByKey, nullptr, &fn);
  napi_set_named_property(env, exports, "matchByKey", fn);
  napi_create_function(env, "scatterRows", NAPI_AUTO_LENGTH, ScatterRows, nullptr, &fn);
  napi_set_named_property(env, exports, "scatterRows", fn);
  return exports;
}
