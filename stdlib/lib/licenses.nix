# Common software licenses, for a package's `meta.license`: each one a set with its SPDX
# identifier (`spdxId`), its full name (`fullName`), a short name, a URL, and whether it is free.
#
# This is a small selection, not the SPDX list; add licenses here as packages need them.
{ lib }:
let
  license =
    shortName:
    {
      fullName,
      spdxId ? null,
      free ? true,
    }:
    {
      inherit shortName fullName free;
      redistributable = free;
      deprecated = false;
      licenseType = "simple";
    }
    // lib.options.optionalAttrs (spdxId != null) {
      inherit spdxId;
      url = "https://spdx.org/licenses/${spdxId}.html";
    };
in
builtins.mapAttrs license {
  agpl3Only = {
    spdxId = "AGPL-3.0-only";
    fullName = "GNU Affero General Public License v3.0 only";
  };
  asl20 = {
    spdxId = "Apache-2.0";
    fullName = "Apache License 2.0";
  };
  bsd0 = {
    spdxId = "0BSD";
    fullName = "BSD Zero Clause License";
  };
  bsd2 = {
    spdxId = "BSD-2-Clause";
    fullName = ''BSD 2-clause "Simplified" License'';
  };
  bsd3 = {
    spdxId = "BSD-3-Clause";
    fullName = ''BSD 3-clause "New" or "Revised" License'';
  };
  cc0 = {
    spdxId = "CC0-1.0";
    fullName = "Creative Commons Zero v1.0 Universal";
  };
  gpl2Only = {
    spdxId = "GPL-2.0-only";
    fullName = "GNU General Public License v2.0 only";
  };
  gpl2Plus = {
    spdxId = "GPL-2.0-or-later";
    fullName = "GNU General Public License v2.0 or later";
  };
  gpl3Only = {
    spdxId = "GPL-3.0-only";
    fullName = "GNU General Public License v3.0 only";
  };
  gpl3Plus = {
    spdxId = "GPL-3.0-or-later";
    fullName = "GNU General Public License v3.0 or later";
  };
  isc = {
    spdxId = "ISC";
    fullName = "ISC License";
  };
  lgpl21Only = {
    spdxId = "LGPL-2.1-only";
    fullName = "GNU Lesser General Public License v2.1 only";
  };
  lgpl3Only = {
    spdxId = "LGPL-3.0-only";
    fullName = "GNU Lesser General Public License v3.0 only";
  };
  mit = {
    spdxId = "MIT";
    fullName = "MIT License";
  };
  mpl20 = {
    spdxId = "MPL-2.0";
    fullName = "Mozilla Public License 2.0";
  };
  publicDomain = {
    fullName = "Public Domain";
  };
  unfree = {
    fullName = "Unfree";
    free = false;
  };
  unlicense = {
    spdxId = "Unlicense";
    fullName = "The Unlicense";
  };
  zlib = {
    spdxId = "Zlib";
    fullName = "zlib License";
  };
}
