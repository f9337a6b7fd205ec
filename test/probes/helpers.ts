/** A shell command that counts its runs in `file` and passes from run `passAt` on (prints "run N"). */
export function countingCommand(passAt: number, file = 'count'): string[] {
  return [
    'sh',
    '-c',
    `n=$(cat ${file} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${file}; echo "run $n"; [ $n -ge ${passAt} ]`,
  ]
}
