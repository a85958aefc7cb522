"""The plan drawn for people: flowchart layout, SVG charts for the pages,
the PDF (cover, flowchart, Gantt chart, checklist) and the text report.

Pure: plan JSON and the rule base in, text or bytes out. It depends on
:mod:`coordinator.planning`; planning never imports it.
"""
