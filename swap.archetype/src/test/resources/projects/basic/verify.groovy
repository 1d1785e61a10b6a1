// Post-build check of the archetype's integration test: the generated project built a bundle whose
// manifest declares its DS component and imports swap.api with a version range.
import java.util.jar.JarFile

// the plugin passes the generated project's folder in the script context
File projectDir = context.projectDir as File
println "swap.archetype IT: projectDir = " + projectDir
File jar = new File(projectDir, "target/counter-mine-1.0.0-SNAPSHOT.jar")
assert jar.isFile() : "no bundle built: " + jar
def attrs = new JarFile(jar).withCloseable { it.manifest.mainAttributes }
def sc = attrs.getValue("Service-Component")
assert sc != null && sc.contains("OSGI-INF/org.example.swap.counter.MyCounter.xml") : "Service-Component: " + sc
def imports = attrs.getValue("Import-Package")
assert imports != null : "no Import-Package"
// StatefulComponent is a consumer type: any later minor version of swap.api serves ([1.1,2))
assert imports =~ /(^|,)swap\.api;version="\[\d+\.\d+,\d+\)"/ : "swap.api not imported with a version range: " + imports
// Counter is a provider type: implementing it binds to the minor version ([1.0,1.1))
assert imports =~ /(^|,)swap\.example\.counter;version="\[\d+\.\d+,\d+\.\d+\)"/ : "swap.example.counter not imported with a version range: " + imports
assert attrs.getValue("Bundle-SymbolicName") == "counter-mine" : "Bundle-SymbolicName: " + attrs.getValue("Bundle-SymbolicName")
assert attrs.getValue("Export-Package") == null : "an implementation bundle exports nothing: " + attrs.getValue("Export-Package")
// @SwapImplementation(name = ...) wrote swap.impl.name and no swap.impl.version (the platform takes Bundle-Version)
String xml = new JarFile(jar).withCloseable { j -> j.getInputStream(j.getEntry("OSGI-INF/org.example.swap.counter.MyCounter.xml")).text }
assert xml.contains('name="swap.impl.name"') && xml.contains('value="counter.mine"') : "no swap.impl.name property: " + xml
assert !xml.contains('swap.impl.version') : "an implementation version property although none was given: " + xml
File report = new File(projectDir, "target/surefire-reports/TEST-org.example.swap.counter.MyCounterTest.xml")
assert report.isFile() : "the generated unit test did not run: " + report
assert report.text.contains('tests="3"') && report.text.contains('failures="0"') && report.text.contains('errors="0"') : report.text
File itReport = new File(projectDir, "target/failsafe-reports/TEST-org.example.swap.counter.MyCounterIT.xml")
assert itReport.isFile() : "the generated in-framework test did not run: " + itReport
assert itReport.text.contains('tests="1"') && itReport.text.contains('failures="0"') && itReport.text.contains('errors="0"') : itReport.text
println "swap.archetype IT: manifest OK (Service-Component " + sc + "), 3 generated unit tests and the generated in-framework test passed"
return true
