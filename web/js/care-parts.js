// The parts of a client's or a group's details that hold their care between sessions
// (check-ins, messages, notes, attendance, their records), each made by a module of its own.
// A part is a function (subject, { data, call, onChanged }) => Element | null; the details
// show them in the order listed here. One import and one entry per part.
import { clientAttendance, groupRoster } from './care-attendance.js';
import { clientBilling } from './care-billing.js';
import { groupIntake } from './care-intake.js';
import { clientMeasures, groupMeasures } from './care-measures.js';
import { clientMessages, groupAnnouncements } from './care-messages.js';
import { clientNotes } from './care-notes.js';
import { rightsPart } from './care-rights.js';

const clientParts = [
  clientMeasures,
  clientAttendance,
  clientMessages,
  clientNotes,
  clientBilling,
  rightsPart,
];

const groupParts = [
  groupRoster,
  groupMeasures,
  groupAnnouncements,
  groupIntake,
];

function made(parts, subject, ctx) {
  return parts.map((part) => part(subject, ctx)).filter(Boolean);
}

export const clientCareParts = (client, ctx) => made(clientParts, client, ctx);
export const groupCareParts = (group, ctx) => made(groupParts, group, ctx);
