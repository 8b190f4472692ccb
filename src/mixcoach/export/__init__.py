"""Exports: preset files for plugins (:mod:`mixcoach.export.presets`) and the PDF report."""
