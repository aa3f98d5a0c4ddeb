"""YAML field mappings: load, check (with file:line:col), compile, map records."""

from hub.mapping.errors import RecordMappingError
from hub.mapping.load import CompiledMapping, check_paths, load_mapping, load_mapping_dir

__all__ = ["CompiledMapping", "RecordMappingError", "check_paths", "load_mapping",
           "load_mapping_dir"]
