"""A stand-in for a framework DLC's SAGEMAKER_TRAINING_MODULE (e.g. `sagemaker_pytorch_container.training:main`).

Fixtures set SAGEMAKER_TRAINING_MODULE=toolkit_fake_framework:main to exercise the toolkit's framework path
(SM_FRAMEWORK_MODULE, the import of the module) without a real framework. Like the PyTorch/HF containers on a
single non-distributed host, it hands the environment's entry point, args and env vars to `entry_point.run`.
"""

from sagemaker_training import entry_point, environment


def main():
    env = environment.Environment()
    entry_point.run(
        uri=env.module_dir,
        user_entry_point=env.user_entry_point,
        args=env.to_cmd_args(),
        env_vars=env.to_env_vars(),
    )
