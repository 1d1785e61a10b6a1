// Post-build check of the api-and-impl archetype's integration test: the API bundle exports its package
// with a version, the implementation bundle imports it with a provider range and exports nothing, and
// the generated unit test (StateCheck) and in-framework test (SwapPlatform) ran and passed.
import java.util.jar.JarFile

File projectDir = context.projectDir as File
def manifest = { File jar -> assert jar.isFile() : "no bundle built: " + jar; new JarFile(jar).withCloseable { it.manifest.mainAttributes } }
def api = manifest(new File(projectDir, "store-mine-api/target/store-mine-api-1.0.0-SNAPSHOT.jar"))
assert api.getValue("Export-Package") =~ /org\.example\.swap\.store\.api;version="1\.0\.0"/ : "Export-Package: " + api.getValue("Export-Package")
def impl = manifest(new File(projectDir, "store-mine-impl/target/store-mine-impl-1.0.0-SNAPSHOT.jar"))
assert impl.getValue("Export-Package") == null : "the implementation exports nothing: " + impl.getValue("Export-Package")
// KeyValueStore is a provider type: implementing it binds to the minor version ([1.0,1.1))
assert impl.getValue("Import-Package") =~ /org\.example\.swap\.store\.api;version="\[1\.0,1\.1\)"/ : "Import-Package: " + impl.getValue("Import-Package")
assert impl.getValue("Service-Component")?.contains("OSGI-INF/org.example.swap.store.MapStore.xml") : "Service-Component: " + impl.getValue("Service-Component")
def passed = { String path, int n ->
    File r = new File(projectDir, path)
    assert r.isFile() : "a generated test did not run: " + r
    assert r.text.contains('tests="' + n + '"') && r.text.contains('failures="0"') && r.text.contains('errors="0"') : r.text
}
passed("store-mine-impl/target/surefire-reports/TEST-org.example.swap.store.MapStoreTest.xml", 3)
passed("store-mine-impl/target/failsafe-reports/TEST-org.example.swap.store.MapStoreIT.xml", 1)
println "swap.archetype.api IT: API exported at 1.0.0, implementation imports [1.0,1.1); 3 StateCheck tests and the in-framework test passed"
return true
