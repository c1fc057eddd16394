"""Rule modules, one per family. Importing this package registers every rule.

- :mod:`.code_lists` — CL1xx, codes known on the acceptance date
- :mod:`.conditions` — CD2xx, elements required or excluded by other values
- :mod:`.header` and :mod:`.consistency` — RL3xx, rules on the header and on goods items
- :mod:`.sequence` — SQ4xx, numbering and repetition
"""

from opencustoms.validation.rules import code_lists, conditions, consistency, header, sequence

__all__ = ["code_lists", "conditions", "consistency", "header", "sequence"]
