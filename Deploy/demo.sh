#!/usr/bin/env bash
# The one-node Interforce scenario: initialise a Hampshire node, write a case file, a live interview note and a
# crime-scene image reference (twice: the second write merges into the same record by image hash), query, show a
# record with its provenance and history, erase one lawfully, and verify the log. Everything lives in a temporary
# directory that is removed at the end.
set -euo pipefail
bin=${1:-.build/debug/interforce}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d "${TMPDIR:-/tmp}/interforce-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

export INTERFORCE_DATA="$work/hampshire" INTERFORCE_OFFICER="DS 1701 Hampshire" INTERFORCE_PURPOSE="demo: op ELM"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -n "${NO_COLOR:-}" ] && step() { printf '\n== %s\n' "$*"; }

step "init a node for Hampshire (key, feed, config and store, all 0600)"
"$bin" init --force hampshire --group south-east
ls -l "$INTERFORCE_DATA"

step "write a case file shared with the south-east group"
case_id=$("$bin" record new case-file -o json --audience group:south-east --json '{
  "crimeReference": "44/12345/26", "title": "Burglary at Elm Road", "status": "open", "offence": "burglary",
  "people": [{"role": "victim", "name": "Alex Smith"}, {"role": "suspect", "name": "Sam Jones", "nationalId": "PNC/12A"}],
  "locations": [{"description": "14 Elm Road, Winchester", "postcode": "SO23 8AB"}],
  "tags": ["burglary", "elm-road"]}' | jq -r .record)
echo "case $case_id"

step "start an interview note and append paragraphs as the interview goes on"
note_id=$("$bin" record new interview-note -o json --classification OFFICIAL-SENSITIVE --json "{
  \"caseRef\": \"$case_id\", \"interviewee\": \"Alex Smith\", \"intervieweeRole\": \"victim\",
  \"interviewer\": \"DC 42\", \"status\": \"in-progress\", \"paragraphs\": [\"Interview started 10:02.\"]}" | jq -r .record)
"$bin" record update "$note_id" --append "Victim returned home at 22:10 and found the back door forced."
"$bin" record update "$note_id" --append "A grey hatchback was seen leaving Elm Road." --set status=completed

step "reference a footwear-mark image; recording the same image again merges into one record"
img='{"imageHash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size": 2483921,
  "mediaType": "image/jpeg", "capturedAt": "2026-11-21T23:40:00Z", "capturingOfficer": "CSI 77",
  "storageUri": "s3://hampshire-evidence/44-12345-26/ex3.jpg", "kind": "footwear", "exhibitNumber": "EX-3"}'
img_id=$("$bin" record new image-ref -o json --json "$img" | jq -r .record)
again=$("$bin" record new image-ref -o json --json "$img" | jq -r .record)
echo "first $img_id, second $again"; [ "$img_id" = "$again" ]
"$bin" record update "$case_id" --add "links=$note_id" --add "links=$img_id" --set status=under-investigation

step "a bad record is refused with a reason, and nothing is stored"
"$bin" record new case-file --json '{"title": "x", "status": "maybe"}' || true
"$bin" record new case-file --json '{"title": "x"}' --classification SECRET || true

step "query: full text plus filters (logged with officer and purpose)"
"$bin" query footwear
"$bin" query --type case-file --force hampshire

step "show the case with the force and time behind each field"
"$bin" record show "$case_id"
step "the live note, in order"
"$bin" record show "$note_id"
step "history of the note: its signed entries"
"$bin" record history "$note_id"

step "erase the image reference lawfully: tombstone kept, payloads dropped, chain still verifies"
"$bin" record erase "$img_id" --reason "retention review RR-2026-114"
"$bin" record show "$img_id"

step "status: counts, feed head and state digest"
"$bin" status

step "audit: the log of writes, reads and queries, then a full verification"
"$bin" audit log --limit 12
"$bin" audit verify

step "tampering is caught: change one byte of a stored payload"
sqlite3 "$INTERFORCE_DATA/store.db" "UPDATE payloads SET body = replace(body, 'Elm Road', 'Elm Roat') WHERE rowid = 1"
if "$bin" audit verify; then echo "tampering NOT detected" >&2; exit 1; fi
echo; echo "demo complete"
