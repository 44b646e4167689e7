# Sums the --format json reports of many runs (one per repository):
#   jq -s -f bulk/aggregate.jq wffmt-bulk/*.json wffmt-bulk/*/*.json
# Every count of a report is a sum, so the totals are sums too.
{
  runs: length,
  summary: (map(.summary | to_entries) | flatten | group_by(.key)
            | map({key: .[0].key, value: (map(.value) | add)}) | from_entries),
  statistics: (map(.statistics[]) | group_by([.rule, .kind])
               | map({rule: .[0].rule, kind: .[0].kind,
                      count: (map(.count) | add), files: (map(.files) | add)})
               | sort_by(-.count, .rule, .kind))
}
