"""Editor tools: the monograph scaffold (``new``) and the JSON Schema export (``schema``)."""
