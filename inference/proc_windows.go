//go:build windows

package inference

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// sysProcAttr starts the server suspended, so that it is in its job
// object (see contain) before it can start a runner, and in a console
// process group of its own.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: windows.CREATE_SUSPENDED | windows.CREATE_NEW_PROCESS_GROUP}
}

// contain puts the suspended server in a job object that kills every
// process in it when its last handle closes, and resumes it. This process
// holds the only handle: however it ends (a crash included), Windows
// closes it and ends the server and every runner it started (they are
// born in the job). cleanup, called once the server has exited, ends the
// runners left in the job. The server is resumed even when the job cannot
// be made.
func contain(p *os.Process) (cleanup func(), err error) {
	job, err := newKillOnCloseJob()
	if err == nil {
		err = assign(job, p.Pid)
		if err != nil {
			windows.CloseHandle(job)
		}
	}
	if rerr := resume(p.Pid); rerr != nil {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return func() {}, fmt.Errorf("job object for the server: %w", err)
	}
	return func() {
		_ = windows.TerminateJobObject(job, 1)
		windows.CloseHandle(job)
	}, nil
}

func newKillOnCloseJob() (windows.Handle, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, err
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, err
	}
	return job, nil
}

func assign(job windows.Handle, pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	return windows.AssignProcessToJobObject(job, h)
}

// resume resumes every thread of a process started suspended (there is
// one; os/exec does not hand out its handle).
func resume(pid int) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(snap)
	var te windows.ThreadEntry32
	te.Size = uint32(unsafe.Sizeof(te))
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != uint32(pid) {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return err
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return err
		}
		resumed++
	}
	if resumed == 0 {
		return fmt.Errorf("resume process %d: no thread found", pid)
	}
	return nil
}

// childPIDs is not implemented on Windows.
func childPIDs(pid int) []int { return nil }
