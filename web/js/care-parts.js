// The parts of a client's or a group's details that hold their care between sessions
// (check-ins, messages, notes, attendance, their records), each made by a module of its own.
// A part is a function (subject, { data, call, onChanged }) => Element | null; the details
// show them in the order listed here. One import and one entry per part.
import { rightsPart } from './care-rights.js';

const clientParts = [
  rightsPart,
];

const groupParts = [
];

function made(parts, subject, ctx) {
  return parts.map((part) => part(subject, ctx)).filter(Boolean);
}

export const clientCareParts = (client, ctx) => made(clientParts, client, ctx);
export const groupCareParts = (group, ctx) => made(groupParts, group, ctx);
