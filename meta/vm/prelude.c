/* prelude: meta/vm/prelude.vml compiled into the VM as a string (the build
 * generates vml_prelude.inc from it with tools/vmlgen -e). */
const char vml_prelude[] =
#include "vml_prelude.inc"
    ;
