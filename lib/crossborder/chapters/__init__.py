"""The chapters, side by side over one core: one package per chapter, none importing another.

The list of chapters (id, notebook, scenario section, strings, outline sections) is ``crossborder.core.registry``.
"""
