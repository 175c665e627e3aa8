/* builtin: registers the machines compiled into this vvm, through the same
 * interface a loaded VMlet uses. */
#include "core/vmlet.h"
#include "machines/machines.h"

void vvm_builtin_vmlets(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    vvm_vmlet_register(&vvm_rv64_linux);
    vvm_vmlet_register(&vvm_meta_vmlet);
    vvm_vmlet_register(&vvm_rv64_virt);
}
