"""Uses a name the emulation lacks: argv[1] says which."""
import sys

what = sys.argv[1]
if what == "smp_attr":
    import smdistributed.modelparallel.torch as smp

    smp.init()
    assert not hasattr(smp, "delay_param_initialization")
    smp.delay_param_initialization
elif what == "smp_module":
    from smdistributed.modelparallel.torch.nn import DistributedTransformerLMHead  # noqa: F401
elif what == "smddp_attr":
    import smdistributed.dataparallel.torch.distributed as dist

    dist.scatter_object_list
elif what == "smddp_tensorflow":
    import smdistributed.dataparallel.tensorflow  # noqa: F401
