#!/usr/bin/env bash
# Embeds a corpus with GNU parallel, one job per shard (`elmo-wasm embed
# --shard i/n`), on this machine's cores or on other hosts over ssh, then
# merges the shards into the file one unsharded run writes, byte for byte.
#
#   cd <the corpus's folder>
#   MODEL=<model-dir> [HOSTS=host-a,4/host-b] examples/embed-parallel.sh \
#       <corpus.txt> <output.jsonl|.npy|.hdf5> [shards (16)] [embed's options, e.g. --top]
#
# MODEL    the model directory, as the path on every host that runs jobs
# HOSTS    parallel's --sshlogin list (N/host: N jobs on host, default one
#          per core); unset: the jobs run here, JOBS at a time (default one
#          per core). Each host needs Node.js and elmo-wasm, and reaches no
#          shared folder: the corpus is copied to each job and its shard
#          copied back (a sentence is ~100 bytes of text, its vectors
#          kilobytes, so the copies of the corpus cost little).
# ELMO     the elmo-wasm command, here and on the hosts (default: elmo-wasm)
# THREADS  the engine's threads per job (default 1: cores are shared by jobs)
#
# Paths are relative (parallel copies files to the same relative path in a
# job's folder). Shards are <output minus extension>.<i>.<extension>. A
# shard that fails is retried (--retries); running the script again runs
# only the shards that did not finish (--joblog, --resume-failed), and a
# shard written here resumes from its last commit (--resume).
set -euo pipefail
if [ $# -lt 2 ] || [ -z "${MODEL:-}" ]; then
  sed -n '2,8p' "$0" >&2
  exit 2
fi
corpus=$1 output=$2 shards=${3:-16}
shift $(($# < 3 ? $# : 3))
case "$corpus$output" in /*) echo "embed-parallel: give the corpus and the output as paths relative to this folder" >&2; exit 2 ;; esac
elmo=${ELMO:-elmo-wasm}
base=${output%.*} ext=${output##*.}
embed=($elmo embed "$corpus" "$base.{}.$ext" --model "$MODEL" --threads "${THREADS:-1}" --shard "{}/$shards" --resume "$@")
common=(--retries 3 --joblog "$base.$shards-shards.joblog" --resume-failed)
[ -t 2 ] && common+=(--bar) # a progress bar over the shards
if [ -n "${HOSTS:-}" ]; then
  returns=(--return "$base.{}.$ext" --return "$base.{}.$ext.journal")
  [ "$ext" = npy ] && returns+=(--return "$base.{}.index.json")
  seq 0 $((shards - 1)) | parallel "${common[@]}" --sshlogin "$HOSTS" --workdir ... --transferfile "$corpus" "${returns[@]}" --cleanup "${embed[@]}"
else
  seq 0 $((shards - 1)) | parallel "${common[@]}" --jobs "${JOBS:-100%}" "${embed[@]}"
fi
# shellcheck disable=SC2046 # one argument per shard
$elmo merge "$corpus" "$output" $(seq -f "$base.%g.$ext" 0 $((shards - 1)))
