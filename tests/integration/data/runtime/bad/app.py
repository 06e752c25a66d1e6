import no_such_module_anywhere  # the init fails: Runtime.ImportModuleError
