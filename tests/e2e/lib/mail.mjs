// Reads the mail confide sends as a person's mail program would: headers (with RFC 2047
// words decoded), and every leaf MIME part decoded from base64 or quoted-printable.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function unfold(headerText) {
  return headerText.replace(/\r?\n[ \t]+/g, ' ');
}

function decodeWords(value) {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g, (_m, _charset, enc, text) => {
    if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
    const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }).trim();
}

function parseHeaders(text) {
  const headers = {};
  for (const line of unfold(text).split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

function decodeBody(body, encoding = '') {
  const e = encoding.toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (e === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function leafParts(headers, body, out) {
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = type.match(/boundary="?([^";]+)"?/i)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      const split = section.search(/\r?\n\r?\n/);
      const h = parseHeaders(section.slice(0, split).replace(/^\r?\n/, ''));
      leafParts(h, section.slice(split).replace(/^\r?\n\r?\n/, ''), out);
    }
    return out;
  }
  out.push({ type, headers, text: decodeBody(body, headers['content-transfer-encoding']) });
  return out;
}

export function parseMail(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(raw.slice(0, split));
  const parts = leafParts(headers, raw.slice(split).replace(/^\r?\n\r?\n/, ''), []);
  return {
    headers,
    subject: decodeWords(headers.subject ?? ''),
    messageId: headers['message-id'],
    text: parts.find((p) => /^text\/plain/i.test(p.type))?.text ?? '',
    calendar: parts.find((p) => /^text\/calendar/i.test(p.type))?.text ?? null,
    parts,
  };
}

// Parses an iCalendar text with libical (tests/tools/ics_dump.c).
export function readCalendar(ics) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'confide-ics-'));
  try {
    const file = path.join(dir, 'invite.ics');
    writeFileSync(file, ics);
    const tool = process.env.CONFIDE_ICS_DUMP ?? path.resolve('../../build/debug/tests/ics_dump');
    return JSON.parse(execFileSync(tool, [file], { encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
