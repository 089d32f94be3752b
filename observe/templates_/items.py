"""The form engine's server half: item types, parsing posted fields into answers, validation.

CONTRACT (shared by the online form, the offline client and the sync API):
- The form for a template version is rendered by the Jinja macro
  `render_form(document, answers, errors, focus_keys)` in templates/forms/_engine.html.
- Every input is named from the item key: `a.<key>` for the value, `a.<key>.evidence`
  for the evidence note, and `a.<key>.<part>` for composite items (see each type).
- `parse_answers(document, fields)` turns posted fields (a werkzeug MultiDict, or the
  dict {name: [values]} the offline client uploads) into (answers, errors); errors are
  keyed by field name so a client can mark the exact input.
- `answer_rows(document, answers)` flattens answers into ObservationAnswer rows for insights.
"""
