#!/usr/bin/env bash
# The Interforce demo: a federation of seven forces on loopback, each node its own process with its own
# certificate (issued by a demo federation CA) and Ed25519 feed key, a membership signed by a demo authority.
#
#   south-east:    hampshire - surrey - sussex - thames-valley - hampshire   (a ring: some pairs only via relay)
#   east-midlands: nottinghamshire - leicestershire - northamptonshire        (a line)
#   cross-group:   hampshire - nottinghamshire
#
# It writes records at several forces with different audiences and shows: convergence (equal digests within an
# audience), a live interview note followed from another force, the same image recorded at two forces merged
# into one record, a record that never reached a force outside its audience, need-to-know (an officer at Sussex
# refused an OFFICIAL-SENSITIVE record, then allowed once named on it, with the audit rows), the East Midlands
# story (one suspect recorded differently by three forces, a duplicate scan, same-as links an officer confirms,
# one person with all three forces' cases at Northamptonshire, a link removed and the cluster split everywhere),
# and the audit log.
# Every node runs as the account running the demo; each node's registry knows that account as its own officer
# (the node learns the account from the kernel, not from a flag). Everything runs in a temporary directory; every
# process it starts is stopped at the end, also on failure.
set -euo pipefail
bin=${1:-.build/debug/interforce}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/interforce-demo.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${NO_COLOR:-}" ] || [ ! -t 1 ]; then step() { printf '\n== %s\n' "$*"; }
else step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }; fi

forces=(hampshire surrey sussex thames-valley nottinghamshire leicestershire northamptonshire)
declare -A name=([hampshire]="Hampshire Constabulary" [surrey]="Surrey Police" [sussex]="Sussex Police"
  [thames-valley]="Thames Valley Police" [nottinghamshire]="Nottinghamshire Police"
  [leicestershire]="Leicestershire Police" [northamptonshire]="Northamptonshire Police")
declare -A group=([hampshire]=south-east [surrey]=south-east [sussex]=south-east [thames-valley]=south-east
  [nottinghamshire]=east-midlands [leicestershire]=east-midlands [northamptonshire]=east-midlands)
declare -A links=([hampshire]="surrey thames-valley nottinghamshire" [surrey]="hampshire sussex"
  [sussex]="surrey thames-valley" [thames-valley]="sussex hampshire" [nottinghamshire]="leicestershire hampshire"
  [leicestershire]="nottinghamshire northamptonshire" [northamptonshire]="leicestershire")
base=${INTERFORCE_DEMO_PORT:-$((20000 + RANDOM % 30000))}
declare -A port
i=0; for f in "${forces[@]}"; do port[$f]=$((base + i)); i=$((i + 1)); done

export INTERFORCE_PURPOSE="investigation: demo operation ELM"
me=$(id -un)
on() { local f=$1; shift; INTERFORCE_DATA="$work/$f" "$bin" "$@"; }
digest() { on "$1" status -o json | jq -r .digest; }

step "PKI: a federation CA, a TLS certificate per force, the membership authority's Ed25519 key"
"$root/Deploy/pki.sh" ca "$work/pki"
"$root/Deploy/pki.sh" authority "$work/pki"
for f in "${forces[@]}"; do "$root/Deploy/pki.sh" node "$work/pki" "$f" 30; done
ls "$work/pki"

step "init seven nodes and describe each for the authority"
for f in "${forces[@]}"; do
    peers=(); for p in ${links[$f]}; do peers+=(--peer "$p"); done
    INTERFORCE_DATA="$work/$f" "$bin" init --force "$f" --group "${group[$f]}" --authority "$work/pki/authority.pub.pem" \
        --listen "127.0.0.1:${port[$f]}" --tls-cert "$work/pki/$f.pem" --tls-key "$work/pki/$f.key" \
        --tls-ca "$work/pki/ca.pem" "${peers[@]}" >/dev/null
    # The account running the demo is each node's own account (its admin); it is also registered as an officer.
    # At Sussex it is PC 7, an officer without OFFICIAL-SENSITIVE clearance; elsewhere a cleared detective.
    if [ "$f" = sussex ]; then
        on "$f" officer add "$me" --collar "PC 7" --name "Sam Patel" --role officer,analyst,auditor >/dev/null
    else
        on "$f" officer add "$me" --collar "DS 1 $f" --name "Detective $f" --role officer,analyst,supervisor,auditor \
            --clearance OFFICIAL-SENSITIVE >/dev/null
    fi
    on "$f" membership describe --name "${name[$f]}" --endpoint "https://127.0.0.1:${port[$f]}" > "$work/$f.member.json"
done

step "the authority creates and signs membership version 1; every node installs it"
members=(); for f in "${forces[@]}"; do members+=(--member "$work/$f.member.json"); done
"$bin" membership create --federation interforce-demo --version 1 "${members[@]}" --out "$work/membership.json"
"$bin" membership sign "$work/membership.json" --authority-key "$work/pki/authority.key" --out "$work/membership.signed.json"
"$bin" membership inspect "$work/membership.signed.json" --authority "$work/pki/authority.pub.pem"
for f in "${forces[@]}"; do on "$f" membership install "$work/membership.signed.json"; done

step "start the seven nodes"
for f in "${forces[@]}"; do
    INTERFORCE_DATA="$work/$f" "$bin" serve 2>"$work/$f.serve.log" &
    pids+=($!)
done
for f in "${forces[@]}"; do
    for _ in $(seq 1 100); do [ -S "$work/$f/node.sock" ] && break; sleep 0.1; done
    curl -s --cacert "$work/pki/ca.pem" "https://127.0.0.1:${port[$f]}/healthz" >/dev/null || { cat "$work/$f.serve.log"; exit 1; }
done
on hampshire peers list

step "Hampshire writes a case file for the south-east group; Sussex gets it via Surrey or Thames Valley (no direct link)"
case_id=$(on hampshire record new case-file -o json --audience group:south-east --json '{
  "crimeReference": "44/12345/26", "title": "Burglary at Elm Road", "status": "open", "offence": "burglary",
  "people": [{"role": "victim", "name": "Alex Smith"}], "tags": ["burglary"]}' | jq -r .record)
echo "case $case_id"

step "Nottinghamshire writes a case for the east-midlands group only"
em_id=$(on nottinghamshire record new case-file -o json --audience group:east-midlands --json '{
  "title": "Vehicle crime series, Trent Bridge", "status": "open", "tags": ["vehicle"]}' | jq -r .record)
echo "case $em_id"

step "the same footwear-mark image recorded at Hampshire and at Nottinghamshire: one record by image hash"
img='{"imageHash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size": 2483921,
  "mediaType": "image/jpeg", "capturedAt": "2026-11-21T23:40:00Z", "kind": "footwear"}'
img1=$(on hampshire record new image-ref -o json --audience group:south-east,group:east-midlands \
    --json "$(echo "$img" | jq -c '. + {capturingOfficer: "CSI 77", exhibitNumber: "HA-EX-3",
      storageUri: "s3://hampshire-evidence/44-12345-26/ex3.jpg"}')" | jq -r .record)
img2=$(on nottinghamshire record new image-ref -o json --audience group:south-east,group:east-midlands \
    --json "$(echo "$img" | jq -c '. + {capturingOfficer: "CSI 12", exhibitNumber: "NT-EX-9",
      storageUri: "s3://notts-evidence/trent/nt-ex-9.jpg"}')" | jq -r .record)
echo "hampshire: $img1  nottinghamshire: $img2"; [ "$img1" = "$img2" ]

step "a live interview note at Surrey (OFFICIAL-SENSITIVE, naming PC 7 of Sussex), followed from Sussex as it is written"
note_id=$(on surrey record new interview-note -o json --audience group:south-east --classification OFFICIAL-SENSITIVE \
  --json "{\"caseRef\": \"$case_id\", \"interviewee\": \"Alex Smith\", \"intervieweeRole\": \"victim\",
  \"interviewer\": \"DC 42\", \"officers\": [\"PC 7\"], \"status\": \"in-progress\",
  \"paragraphs\": [\"Interview started 10:02.\"]}" | jq -r .record)
for _ in $(seq 1 50); do on sussex record show "$note_id" >/dev/null 2>&1 && break; sleep 0.2; done
on sussex watch --record "$note_id" --count 2 --for 20 > "$work/watch.out" &
watch_pid=$!; pids+=($watch_pid)
sleep 1
on surrey record update "$note_id" --append "Victim returned home at 22:10 and found the back door forced." >/dev/null
sleep 0.5
on surrey record update "$note_id" --append "A grey hatchback was seen leaving Elm Road." >/dev/null
wait "$watch_pid" || true
echo "Sussex saw, live:"; cat "$work/watch.out"

step "convergence: sync, then compare state digests within each group"
for f in "${forces[@]}"; do on "$f" sync --timeout 20 >/dev/null 2>&1 || true; done
for f in "${forces[@]}"; do on "$f" sync --timeout 20 >/dev/null 2>&1 || true; done
for f in "${forces[@]}"; do printf '%-18s %-14s %s\n' "$f" "${group[$f]}" "$(digest "$f")"; done
se=$(for f in hampshire surrey sussex thames-valley; do digest "$f"; done | sort -u | wc -l)
em=$(for f in nottinghamshire leicestershire northamptonshire; do digest "$f"; done | sort -u | wc -l)
echo "distinct digests: south-east $se, east-midlands $em"; [ "$se" = 1 ] && [ "$em" = 1 ]

step "need-to-know: Hampshire shares an OFFICIAL-SENSITIVE intelligence case with the south-east"
intel_id=$(on hampshire record new case-file -o json --audience group:south-east --classification OFFICIAL-SENSITIVE \
  --json '{"title": "Intelligence: handling of stolen tools, Elm Road", "status": "open", "leadOfficer": "DS 1 hampshire",
  "tags": ["intelligence"]}' | jq -r .record)
# Waits until Sussex has accepted $2 entries of record $1 (its auditor role reads the log; nothing of the record).
arrived() { for _ in $(seq 1 100); do on sussex audit log --kind accept --record "$1" -o json --purpose "audit: demo" \
    | jq -e "length >= $2" >/dev/null && return 0; sleep 0.2; done; return 1; }
arrived "$intel_id" 1
on sussex officer show
echo "Sussex's officer (PC 7, not cleared for OFFICIAL-SENSITIVE, not named) asks for it:"
if on sussex record show "$intel_id"; then echo "LEAK: PC 7 read $intel_id" >&2; exit 1; fi
echo "and a query does not show it exists:"
on sussex query --type case-file
echo "Hampshire names PC 7 on the case:"
on hampshire record update "$intel_id" --add "officers=PC 7" >/dev/null
arrived "$intel_id" 2
echo "PC 7 asks again:"
on sussex record show "$intel_id"
echo "Sussex's audit rows for the case: the refusal, then the read, each with the officer and the Unix account:"
on sussex audit log --record "$intel_id" --purpose "audit: demo need-to-know" | grep -E "KIND|deny|read" | grep -v accept

step "the merged image record at Northamptonshire: each force's exhibit number, store and officer, with its force"
on northamptonshire record show "$img1"
on northamptonshire record show "$img1" -o json | jq -e '.perForce.storageUri | length == 2' >/dev/null

step "East Midlands: three forces record the same suspect, each its own way, each on its own case"
em_person() { on "$1" record new person -o json --audience group:east-midlands --json "$2" | jq -r .record; }
em_case() { on "$1" record new case-file -o json --audience group:east-midlands --json "{\"title\": \"$2\",
  \"status\": \"open\", \"entities\": [{\"record\": \"$3\", \"role\": \"suspect\"}]}" | jq -r .record; }
p_nt=$(em_person nottinghamshire '{"nationalId": "PNC 98/1234567X", "forenames": "Robert James", "surname": "Smith",
  "dateOfBirth": "1985-03-14", "sex": "male", "address": "14 Elm Road, Nottingham", "postcode": "NG1 5AB",
  "localReference": "NT-P-3301"}')
p_le=$(em_person leicestershire '{"forenames": "Bob", "surname": "Smith", "dateOfBirth": "1985-03-14",
  "address": "14 Elm Rd, Nottingham NG1 5AB", "localReference": "LE-2291"}')
p_nn=$(em_person northamptonshire '{"forenames": "Robert", "surname": "Smyth", "dateOfBirth": "1985-03-14",
  "postcode": "NG1 5AB", "localReference": "NN/17/0042"}')
c_nt=$(em_case nottinghamshire "Theft from vehicles, Trent Bridge" "$p_nt")
c_le=$(em_case leicestershire "Handling stolen goods, Leicester market" "$p_le")
c_nn=$(em_case northamptonshire "Burglary, Weston Favell" "$p_nn")
echo "nottinghamshire $p_nt (PNC ID)  leicestershire $p_le  northamptonshire $p_nn (no national identifier)"
# Waits until $1 holds record $2.
holds() { for _ in $(seq 1 100); do on "$1" record show "$2" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
for r in "$p_le" "$p_nn" "$c_le" "$c_nn"; do holds nottinghamshire "$r"; done
for r in "$p_nt" "$p_le" "$c_nt" "$c_le"; do holds northamptonshire "$r"; done

step "a duplicate scan at Nottinghamshire proposes the pairs, with the evidence; it links nothing itself"
on nottinghamshire dedup scan --type person
on nottinghamshire dedup scan --type person -o json > "$work/scan.json"
pairs=$(jq -r '.proposals[] | "\(.first) \(.second)"' "$work/scan.json")
[ "$(echo "$pairs" | wc -l)" -ge 2 ]

step "an officer at Nottinghamshire reads the evidence and confirms two pairs with same-as links"
echo "$pairs" | head -2 | while read -r a b; do
    on nottinghamshire link same-as "$a" "$b" --reason "scan: same DOB and address; PNC record checked by DS 1"
done
# Waits until $1 shows record $2 in a cluster of $3.
cluster_of() { for _ in $(seq 1 100); do
    [ "$(on "$1" record show "$2" -o json | jq '.cluster.members // [] | length')" = "$3" ] && return 0; sleep 0.2
    done; echo "$1: $2 is not in a cluster of $3" >&2; return 1; }

step "an officer at Northamptonshire sees one person, with all three forces' records and cases"
cluster_of northamptonshire "$p_nn" 3
on northamptonshire record show "$p_nn"
on northamptonshire query --type person
on northamptonshire record show "$p_nn" -o json | jq -e '.cluster.references | length == 3' >/dev/null

step "Leicestershire finds its Bob Smith is not Nottinghamshire's man: it removes that link; the cluster splits everywhere"
on leicestershire link remove "$p_nt" "$p_le" --reason "custody photograph: a different man (DC 4, Leicester)"
# Waits until $1 shows record $2 in a cluster of fewer than 3, and prints its size.
split_at() { for _ in $(seq 1 100); do
    n=$(on "$1" record show "$2" -o json | jq '.cluster.members // [] | length')
    [ "$n" -lt 3 ] && { echo "$n"; return 0; }; sleep 0.2; done; echo "$1: the cluster did not split" >&2; return 1; }
sizes=$(for f in nottinghamshire leicestershire northamptonshire; do
    for p in "$p_nt" "$p_le" "$p_nn"; do printf '%s %s %s\n' "$f" "$p" "$(split_at "$f" "$p")"; done; done)
echo "$sizes"
# Every node sees the same split: the same cluster size for each record.
[ "$(echo "$sizes" | awk '{print $2, $3}' | sort -u | wc -l)" = 3 ]
on nottinghamshire audit log --kind link --purpose "audit: demo links"
on leicestershire audit log --kind unlink --purpose "audit: demo links"

step "the east-midlands case never reached the south-east"
for f in hampshire surrey sussex thames-valley; do
    if on "$f" record show "$em_id" >/dev/null 2>&1; then echo "LEAK: $f holds $em_id" >&2; exit 1; fi
    echo "$f: does not hold $em_id"
done
on hampshire audit log --kind withheld --limit 3

step "peer status at Hampshire, and its audit log"
on hampshire peers status
on hampshire audit log --limit 10
on hampshire audit verify

step "stop every node (SIGTERM)"
for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
pids=()
echo; echo "demo complete"
