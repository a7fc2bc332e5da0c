"""Run by drgn for the task benchmark: every task's pid, state and comm, as ps would list them
(mode "list"), or with every task's stack trace too (mode "bt")."""
import sys

from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.sched import idle_task, task_state_to_char

tasks = list(for_each_task(prog))
seen = {task.value_() for task in tasks}
tasks += [idle for idle in (idle_task(prog, cpu) for cpu in for_each_online_cpu(prog)) if idle.value_() not in seen]
frames = 0
for task in tasks:
    print(task.pid.value_(), task_state_to_char(task), task.comm.string_().decode(errors="replace"))
    if sys.argv[1] == "bt":
        try:
            frames += len(prog.stack_trace(task))
        except Exception:
            pass
print("tasks %d frames %d" % (len(tasks), frames), file=sys.stderr)
