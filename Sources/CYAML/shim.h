#ifndef METAPROMPT_CYAML_SHIM_H
#define METAPROMPT_CYAML_SHIM_H
// libyaml's parser (Debian's libyaml-dev, pkg-config yaml-0.1): the event API, read in Swift
// into a small tree (Sources/Dassl/YAMLNode.swift). Nothing here needs a shim function:
// yaml.h declares plain functions and structs, no cast macros.
#include <yaml.h>

#endif
