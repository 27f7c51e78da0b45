// SPDX-License-Identifier: AGPL-3.0-or-later
// The server's refusals in the reader's language. The console's routes
// explain every refusal in one English sentence (docs/protocol.md, "Staff
// and the console"); the known ones are matched here to a key of the
// console's dictionary, with their numbers and details as arguments, and
// the rest go to the web client's table (/js/reasons.js: uploads, the
// renderer, the meeting's lifecycle). A sentence neither knows is shown as
// the server wrote it — never a bare code.
//
// say(err) gives what t() takes as an argument, so a language switch
// re-translates the sentence in place.
import { reason as appReason } from '/js/reasons.js';

// [pattern, key, names of the captured groups]; a group named `field` is
// one of the roster's columns, itself translated.
const PATTERNS = [
  // sign-in and sessions
  [/^the email or the password is wrong$/, 'why.wrongPassword', []],
  [/^too many failed sign-ins for this account: try again in (\d+) seconds?$/, 'why.tooMany', ['s']],
  [/^this account is disabled: ask an administrator$/, 'why.disabled', []],
  [/^your session has expired: sign in again$/, 'why.expired', []],
  [/^sign in to the console first$/, 'why.signIn', []],
  [/^this request did not come from Plenum's own pages/, 'why.origin', []],
  [/^the current password is wrong$/, 'why.currentWrong', []],
  [/^the new password must have 10 to 256 bytes$/, 'why.newPassword', []],
  // accounts
  [/^only an administrator manages staff accounts$/, 'why.adminOnly', []],
  [/^an account with this email exists already$/, 'why.accountExists', []],
  [/^there must be at least one admin who is not disabled$/, 'why.lastAdmin', []],
  [/^(a name has 1 to 100 characters, an email|an account needs a name)/, 'why.accountFields', ['-']],
  [/^no staff account has this email$/, 'why.noAccount', []],
  [/^no such staff account$/, 'why.noAccount', []],
  // meetings
  [/^this meeting is not one of yours/, 'why.notYours', []],
  [/^only an administrator or the meeting's creator gives it to others$/, 'why.giveOnly', []],
  [/^the meeting's creator keeps it$/, 'why.creatorKeeps', []],
  [/^this staff member was not given the meeting$/, 'why.notGiven', []],
  [/^no such meeting$/, 'why.noMeeting', []],
  [/^the title must have 1 to 300 characters of text$/, 'why.title', []],
  [/^the title may have at most 300 characters of text$/, 'why.title', []],
  [/^the organisation may have at most 300 characters of text$/, 'why.org', []],
  [/^the place may have at most 300 characters of text$/, 'why.place', []],
  [/^the start must be a date and time/, 'why.starts', []],
  [/^the end must be a date and time/, 'why.ends', []],
  [/^the end cannot be before the start$/, 'why.endsBefore', []],
  [/^the quorum rule must be/, 'why.quorum', []],
  [/^the Wi-Fi name must have 1 to 32 bytes of text$/, 'why.ssid', []],
  [/^the Wi-Fi password must have 8 to 63 characters/, 'why.wifiPassword', []],
  [/^the chair's and the secretary's names may have at most/, 'why.chairName', []],
  [/^the search must have 1 to 200 characters of text$/, 'why.search', []],
  [/^the change could not be saved; please try again$/, 'why.notSaved', []],
  [/^this meeting is open already$/, 'why.openAlready', []],
  // agenda and documents
  [/^an agenda has at most 200 items$/, 'why.agendaFull', []],
  [/^an agenda item's title must have 1 to 300 characters of text$/, 'why.itemTitle', []],
  [/^agenda item \d+ must have 1 to 300 characters/, 'why.itemTitle', []],
  [/^the presenter's name may have at most 100 characters of text$/, 'why.presenter', []],
  [/^the planned minutes must be a whole number from 1 to (\d+)$/, 'why.minutes', ['max']],
  [/^this item has minutes: clear its minutes before removing it$/, 'why.itemHasMinutes', []],
  [/^no such agenda item in this meeting$/, 'why.noItem', []],
  [/^no such document or agenda item in this meeting$/, 'why.noDoc', []],
  [/^no such document$/, 'why.noDoc', []],
  [/^a title has 1 to 300 characters; a position goes with an item/, 'why.docTitle', []],
  [/^the file is larger than the (\d+) MiB this server accepts$/, 'why.uploadTooLarge', ['mib']],
  // roster
  [/^no such participant in this meeting$/, 'why.noParticipant', []],
  [/^the name must have 1 to 100 characters of text$/, 'why.personName', []],
  [/^the name must be text$/, 'why.personName', []],
  [/^the email is not an email address$/, 'why.email', []],
  [/^the role must be chair, secretary, member or guest$/, 'why.role', []],
  [/^the room display is part of every meeting/, 'why.display', []],
  [/^this person has taken part in the meeting/, 'why.tookPart', []],
  [/^this link was made on the command line and cannot be shown again/, 'why.cliLink', []],
  [/^nobody is on the roster yet/, 'why.nobody', []],
  // the roster from a CSV file: the file
  [/^this preview has expired: preview the file again$/, 'why.previewExpired', []],
  [/^the roster has changed since the preview: preview the file again$/, 'why.rosterChanged', []],
  [/^the file has no row that can be added$/, 'why.noRows', []],
  [/^this file is UTF-16 text/, 'why.utf16', []],
  [/^this is not a CSV text file/, 'why.notCsv', []],
  [/^the first row must name the columns/, 'why.header', []],
  [/^the file has more than (\d+) rows$/, 'why.tooManyRows', ['n']],
  [/^the file is larger than (\d+) KiB$/, 'why.csvTooLarge', ['kib']],
  [/^the file is empty$/, 'why.csvEmpty', []],
  // the roster from a CSV file: a refused row
  [/^the (\w+) is not UTF-8 text/, 'why.row.notUtf8', ['field']],
  [/^the (\w+) holds control characters$/, 'why.row.controls', ['field']],
  [/^the (\w+) starts with '(.)', which a spreadsheet would run as a formula$/, 'why.row.formula', ['field', 'c']],
  [/^the (\w+) is longer than (\d+) characters$/, 'why.row.tooLong', ['field', 'n']],
  [/^a quoted field is never closed/, 'why.row.unclosed', []],
  [/^the row is longer than (\d+) bytes$/, 'why.row.rowTooLong', ['n']],
  [/^the row has more than (\d+) columns$/, 'why.row.tooManyColumns', ['n']],
  [/^the name is empty$/, 'why.row.noName', []],
  [/^the role '(.*)' is not one of/, 'why.row.role', ['value']],
  [/^the email '(.*)' is not an email address$/, 'why.row.email', ['value']],
  [/^the same email as line (\d+)$/, 'why.row.sameEmail', ['line']],
  [/^already on the roster \(the same email\)$/, 'why.row.onRosterEmail', []],
  [/^already on the roster \(the same name and organisation\)$/, 'why.row.onRosterName', []],
];

const FIELDS = new Set(['name', 'title', 'organisation', 'role', 'email']);

// A server sentence as a t() argument: {key, args}, or the text itself.
export function reason(text) {
  const s = String(text ?? '').trim();
  for (const [re, key, names] of PATTERNS) {
    const m = re.exec(s);
    if (!m) continue;
    const args = {};
    names.forEach((n, i) => {
      if (n === '-') return;
      const v = m[i + 1];
      args[n] = n === 'field' && FIELDS.has(v) ? { key: `why.field.${v}` } : v;
    });
    return { key, args };
  }
  return appReason(s);
}

// What to say for a failed request: the network, or the server's reason.
export function say(err) {
  if (typeof err === 'string') return reason(err);
  if (!err || err.status === 0) return { key: 'error.network' };
  if (err.status === 413 && !/^the file is larger/.test(err.message || '')) return { key: 'why.tooLarge' };
  return reason(err.message || err.code);
}
