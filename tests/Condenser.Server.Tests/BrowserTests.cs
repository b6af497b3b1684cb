using Condenser.Data;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;

namespace Condenser.Server.Tests;

/// <summary>The web UI in a real headless Chromium (Debian's chromium and chromium-driver), driven by Selenium.</summary>
public class BrowserTests
{
    private static ChromeDriver Browser(string profile)
    {
        const string chromium = "/usr/bin/chromium", driver = "/usr/bin/chromedriver";
        if (!File.Exists(chromium) || !File.Exists(driver))
        {
            Assert.Skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them, and fails if any test is skipped)");
        }

        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000", $"--user-data-dir={profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driver), Path.GetFileName(driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Where the screenshots of the main pages go: <c>artifacts/screenshots</c> in the repository (or
    /// <c>CONDENSER_SCREENSHOTS</c>), looked at, not compared pixel by pixel.
    /// </summary>
    private static string ScreenshotFolder()
    {
        var dir = Environment.GetEnvironmentVariable("CONDENSER_SCREENSHOTS");
        if (string.IsNullOrEmpty(dir))
        {
            dir = Path.Combine(Condenser.Testing.TestData.RepositoryRoot, "artifacts", "screenshots");
        }

        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Saves the page at 1400 × 1000 and 1024 × 768 (then back to 1400 × 1000).</summary>
    /// <summary>Chooses <paramref name="value"/> in the select <paramref name="id"/>, as a user's pick does (a change event).</summary>
    private static void Choose(ChromeDriver browser, string id, string value) =>
        ((IJavaScriptExecutor)browser).ExecuteScript("const s = document.getElementById(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change'));", id, value);

    private static void Screenshots(ChromeDriver browser, string name)
    {
        foreach (var (w, h) in new[] { (1024, 768), (1400, 1000) })
        {
            browser.Manage().Window.Size = new System.Drawing.Size(w, h);
            Thread.Sleep(300);
            var path = Path.Combine(ScreenshotFolder(), $"{name}-{w}x{h}.png");
            browser.GetScreenshot().SaveAsFile(path);
            Assert.True(new FileInfo(path).Length > 1000, path);
        }
    }

    [Fact]
    public async Task SearchFacetsAndTheFourDStemViewer()
    {
        await using var host = await ServerHost.Start("sqlite");
        var c = host.Catalog;
        var dir = host.Library.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr", "digitalmicrograph/2D/test_STEM_image.dm3", "digitalmicrograph/3D/EELS_SI.dm4");
        c.Ingestor.IngestPaths([dir], Principal.Local, new IngestOptions { Project = "demo", Visibility = Visibility.Public });
        var hidden = c.Ingestor.IngestFile(Path.Combine(host.Library.CopyFixtures("digitalmicrograph/2D/test-1.dm3"), "test-1.dm3"), Principal.Local, new IngestOptions { Project = "lab" });
        var token = c.Users.Add("reader", Role.Viewer, null, ["lab"]).Token;

        using var browser = Browser(Path.Combine(host.Library.Folder, "chromium-profile"));
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
        browser.Navigate().GoToUrl(host.Url);
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 3);
        Assert.Equal("3 records", browser.FindElement(By.Id("summary")).Text);

        // Cards say what tells them apart (the file beside a title, the sample) and the full name on hover; the page
        // has an icon.
        foreach (var card in browser.FindElements(By.CssSelector(".card")))
        {
            var record = c.Get(card.GetAttribute("data-id")!, Principal.Anonymous);
            var hover = card.FindElement(By.CssSelector(".name")).GetAttribute("title")!;
            Assert.StartsWith(record.Title ?? record.FileName, hover, StringComparison.Ordinal);
            if (record.Title is { } t && t != record.FileName)
            {
                Assert.Contains(record.FileName, card.FindElement(By.CssSelector(".sub")).Text, StringComparison.Ordinal);
            }
        }

        Assert.Single(browser.FindElements(By.CssSelector("link[rel='icon']")));
        Screenshots(browser, "search");
        wait.Until(b => b.FindElements(By.CssSelector(".card img")).All(i => (bool)((IJavaScriptExecutor)b).ExecuteScript("return arguments[0].complete && arguments[0].naturalWidth > 0", i)!));

        // The year and beam-energy facets toggle: a click narrows to the value's count, a click on it again clears it.
        foreach (var facet in new[] { "year", "beam_energy_kev" })
        {
            var link = browser.FindElement(By.CssSelector($"a[data-facet='{facet}']"));
            string value = link.GetAttribute("data-value")!;
            int expected = int.Parse(link.FindElements(By.TagName("span"))[1].Text, System.Globalization.CultureInfo.InvariantCulture);
            link.Click();
            wait.Until(b => b.FindElements(By.CssSelector($"a.active[data-facet='{facet}'][data-value='{value}']")).Count == 1 && b.FindElements(By.CssSelector(".card")).Count == expected);
            browser.FindElement(By.CssSelector($"a.active[data-facet='{facet}']")).Click();
            wait.Until(b => b.FindElements(By.CssSelector($"a.active[data-facet='{facet}']")).Count == 0 && b.FindElements(By.CssSelector(".card")).Count == 3);
        }

        // Active filters show as chips that remove them; they stay when a text search finds nothing; back returns to
        // the previous search (the URL is the state).
        browser.FindElement(By.CssSelector("a[data-facet='signal_type'][data-value='image']")).Click();
        wait.Until(b => b.FindElements(By.CssSelector(".chip[data-filter='signal_type']")).Count == 1 && b.FindElements(By.CssSelector(".card")).Count == 1);
        var words = browser.FindElement(By.Id("q"));
        words.Clear();
        words.SendKeys("EELS" + Keys.Enter);
        wait.Until(b => b.FindElement(By.Id("summary")).Text.StartsWith("0 records", StringComparison.Ordinal));
        Assert.Single(browser.FindElements(By.CssSelector(".chip[data-filter='signal_type']")));
        Assert.Single(browser.FindElements(By.CssSelector(".chip[data-filter='q']")));
        browser.FindElement(By.CssSelector(".chip[data-filter='signal_type']")).Click();
        wait.Until(b => b.FindElement(By.Id("summary")).Text.StartsWith("1 record for", StringComparison.Ordinal) && b.FindElements(By.CssSelector(".chip[data-filter='signal_type']")).Count == 0);
        browser.Navigate().Back();
        wait.Until(b => b.FindElement(By.Id("summary")).Text.StartsWith("0 records", StringComparison.Ordinal) && b.FindElements(By.CssSelector(".chip[data-filter='signal_type']")).Count == 1);
        browser.FindElement(By.CssSelector(".chip[data-filter='q']")).Click();
        wait.Until(b => b.FindElements(By.CssSelector(".chip[data-filter='q']")).Count == 0 && b.FindElements(By.CssSelector(".chip[data-filter='signal_type']")).Count == 1);
        browser.FindElement(By.CssSelector(".chip[data-filter='signal_type']")).Click();
        wait.Until(b => b.FindElements(By.CssSelector(".chip")).Count == 0 && b.FindElements(By.CssSelector(".card")).Count == 3);

        // A late answer to an older search does not overwrite the newer one: the first request is held back 800 ms.
        ((IJavaScriptExecutor)browser).ExecuteScript("""
            const original = window.fetch; let n = 0;
            window.fetch = (u, o) => n++ === 0 ? new Promise(r => setTimeout(() => r(original(u, o)), 800)) : original(u, o);
            location.hash = "#/?q=nothingmatchesthis";
            setTimeout(() => { location.hash = "#/?page_size=24"; }, 50);
            """);
        Thread.Sleep(1500);
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 3);
        Assert.Equal("3 records", browser.FindElement(By.Id("summary")).Text);

        // A facet narrows the results to the 4D-STEM scan.
        browser.FindElement(By.CssSelector("a[data-facet='signal_type'][data-value='4d_stem']")).Click();
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 1);
        browser.FindElement(By.CssSelector(".card[data-signal='4d_stem']")).Click();

        // The dataset page: bright-field image and mean pattern, calibrated and drawn.
        wait.Until(b => b.FindElement(By.Id("real-caption")).Text.Contains("bright field", StringComparison.Ordinal));
        wait.Until(b => b.FindElement(By.Id("pattern-caption")).Text.Contains("mean pattern", StringComparison.Ordinal));
        Assert.Contains("001_4x2_6bit.mib", browser.FindElement(By.Id("title")).Text);

        // Click a scan position: its diffraction pattern appears.
        var real = browser.FindElement(By.Id("real"));
        new Actions(browser).MoveToElement(real, 150, 60).Click().Perform();
        wait.Until(b => b.FindElement(By.Id("pattern-caption")).Text.StartsWith("frame at y=", StringComparison.Ordinal));

        // Draw a virtual detector on the pattern: the scan image becomes that detector's image.
        var pattern = browser.FindElement(By.Id("pattern"));
        new Actions(browser).MoveToElement(pattern, 0, 0).ClickAndHold().MoveByOffset(60, 0).MoveByOffset(20, 10).Release().Perform();
        wait.Until(b => b.FindElement(By.Id("real-caption")).Text.StartsWith("virtual detector", StringComparison.Ordinal));
        Assert.Empty(browser.FindElements(By.Id("error")));

        Screenshots(browser, "4d-stem");

        // Similar records are offered with thumbnails, each labelled with its title, signal type and score.
        wait.Until(b => b.FindElements(By.CssSelector("#similar img")).Count == 2);
        foreach (var item in browser.FindElements(By.CssSelector("#similar .similar-item")))
        {
            var record = c.Get(item.GetAttribute("data-id")!, Principal.Anonymous);
            var label = item.FindElement(By.CssSelector(".label")).Text;
            Assert.Contains(record.Title ?? record.FileName, label, StringComparison.Ordinal);
            Assert.Contains(record.SignalType, label, StringComparison.Ordinal);
            Assert.Matches(@"\d\.\d{3}", label);
            Assert.Contains(record.FileName, item.GetAttribute("title")!, StringComparison.Ordinal);
        }

        // Text search from the header.
        var q = browser.FindElement(By.Id("q"));
        q.Clear();
        q.SendKeys("EELS" + Keys.Enter);
        wait.Until(b => b.FindElement(By.Id("summary")).Text.StartsWith("1 record", StringComparison.Ordinal));

        // Signing in shows the private record of the reader's project; the spectrum image has a spectrum viewer.
        browser.FindElement(By.Id("token")).SendKeys(token);
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(b => b.FindElement(By.Id("who-name")).Text.StartsWith("reader", StringComparison.Ordinal));
        browser.Navigate().GoToUrl(host.Url + "/#/");
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 4);
        Assert.Single(browser.FindElements(By.CssSelector($".card[data-id='{hidden.Ids.Single()}']")));
        browser.FindElement(By.CssSelector(".card[data-signal='spectrum_image']")).Click();
        wait.Until(b => b.FindElement(By.Id("image-caption")).Text.Length > 0);

        // The map's scale bar is written in the unit that puts its number between 1 and 999, as the CLI's figures.
        var bar = browser.FindElement(By.Id("image")).GetAttribute("data-scale-bar")!;
        Assert.Matches(@"^[1-9]\d{0,2} (pm|nm|µm|mm)$", bar);

        // The summed spectrum shows at once, its axis calibrated as RosettaSciIO reads the file (the fixture's
        // reference values), ticks inside the energy range.
        var reference = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Condenser.Testing.TestData.File("digitalmicrograph/3D/EELS_SI.dm4.reference.json")))!;
        var axis = reference["datasets"]![0]!["axes"]!.AsArray().Single(a => a!["units"]!.GetValue<string>() == "eV")!;
        var energy = new Axis("energy", axis["size"]!.GetValue<int>(), axis["scale"]!.GetValue<double>(), axis["offset"]!.GetValue<double>(), "eV");

        wait.Until(b => b.FindElements(By.CssSelector("canvas#spectrum[data-range]")).Count == 1);
        var spectrum = browser.FindElement(By.Id("spectrum"));
        double[] Range() => System.Text.Json.JsonSerializer.Deserialize<double[]>(spectrum.GetAttribute("data-range")!)!;
        Assert.StartsWith("sum over all", spectrum.GetAttribute("data-caption"), StringComparison.Ordinal);
        Assert.Equal(energy.Units, spectrum.GetAttribute("data-units"));
        var full = Range();
        Assert.Equal(energy.Offset, full[0], 1e-6 * Math.Abs(energy.Scale * energy.Size));
        Assert.Equal(energy.Offset + (energy.Scale * (energy.Size - 1)), full[1], 1e-6 * Math.Abs(energy.Scale * energy.Size));
        var ticks = System.Text.Json.JsonSerializer.Deserialize<double[]>(spectrum.GetAttribute("data-x-ticks")!)!;
        Assert.True(ticks.Length >= 3, $"{ticks.Length} energy ticks");
        Assert.All(ticks, t => Assert.InRange(t, Math.Min(full[0], full[1]), Math.Max(full[0], full[1])));
        Assert.NotEmpty(System.Text.Json.JsonSerializer.Deserialize<double[]>(spectrum.GetAttribute("data-y-ticks")!)!);
        Assert.True(spectrum.Size.Height * 2 > spectrum.Size.Width * 0.8, $"shown at {spectrum.Size}: drawn at the size it is shown, 0.45 high per wide");

        // The cursor reads the energy and value; a drag zooms into a range, a double-click shows it all again.
        new Actions(browser).MoveToElement(spectrum, 0, 0).Perform();
        wait.Until(b => b.FindElement(By.Id("spectrum-readout")).Text.Contains(energy.Units, StringComparison.Ordinal));
        new Actions(browser).MoveToElement(spectrum, -spectrum.Size.Width / 4, 0).ClickAndHold().MoveByOffset(spectrum.Size.Width / 3, 0).Release().Perform();
        wait.Until(_ => Math.Abs(Range()[1] - Range()[0]) < 0.6 * Math.Abs(full[1] - full[0]));
        new Actions(browser).DoubleClick(spectrum).Perform();
        wait.Until(_ => Math.Abs(Range()[1] - full[1]) < 1e-6 * Math.Abs(full[1] - full[0]));

        // Log counts: ticks at whole decades within the counts shown.
        var linearTicks = spectrum.GetAttribute("data-y-ticks");
        browser.FindElement(By.Id("spectrum-log")).Click();
        wait.Until(_ => spectrum.GetAttribute("data-log") == "true");
        var decades = System.Text.Json.JsonSerializer.Deserialize<double[]>(spectrum.GetAttribute("data-y-ticks")!)!;
        Assert.NotEqual(linearTicks, spectrum.GetAttribute("data-y-ticks"));
        Assert.True(decades.Length >= 2, string.Join(",", decades));
        Assert.All(decades, t => Assert.InRange(t, -30, 30)); // exponents of ten, not the summed counts themselves

        // A position picked on the map shows its own spectrum, the mean over the map in grey behind it.
        new Actions(browser).MoveToElement(browser.FindElement(By.Id("image")), 10, 10).Click().Perform();
        wait.Until(b => !b.FindElement(By.Id("spectrum")).GetAttribute("data-caption")!.StartsWith("sum over all", StringComparison.Ordinal));
        Assert.Equal("mean over the map", browser.FindElement(By.Id("spectrum")).GetAttribute("data-overlay"));
        Assert.Single(browser.FindElements(By.Id("spectrum")));
        Assert.Empty(browser.FindElements(By.Id("error")));
        Screenshots(browser, "spectrum-image");
    }

    [Fact]
    public async Task ARefusedTokenFallsBackToAnonymousAndSignOutSignsOut()
    {
        // Before, a wrong token left the search on "searching…" and record pages blank, even for public data.
        await using var host = await ServerHost.Start("sqlite");
        var c = host.Catalog;
        var open = c.Ingestor.IngestFile(Path.Combine(host.Library.CopyFixtures("digitalmicrograph/2D/test_STEM_image.dm3"), "test_STEM_image.dm3"), Principal.Local, new IngestOptions { Project = "demo", Visibility = Visibility.Public });
        var hidden = c.Ingestor.IngestFile(Path.Combine(host.Library.CopyFixtures("digitalmicrograph/2D/test-1.dm3"), "test-1.dm3"), Principal.Local, new IngestOptions { Project = "lab" });
        var token = c.Users.Add("reader", Role.Viewer, null, ["lab"]).Token;

        using var browser = Browser(Path.Combine(host.Library.Folder, "chromium-profile"));
        var js = (IJavaScriptExecutor)browser;
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
        browser.Navigate().GoToUrl(host.Url);
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 1);

        // A token kept from an earlier visit that the server no longer accepts: the public record is listed, the
        // page says why it is anonymous, and the token is forgotten.
        js.ExecuteScript("localStorage.setItem('condenser-token', 'not-a-token')");
        browser.Navigate().Refresh();
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 1);
        Assert.Contains("refused", browser.FindElement(By.Id("who-notice")).Text, StringComparison.Ordinal);
        Assert.Equal("anonymous", browser.FindElement(By.Id("who-name")).Text);
        Assert.Null(js.ExecuteScript("return localStorage.getItem('condenser-token')"));

        // The same on a record page reached directly.
        js.ExecuteScript("localStorage.setItem('condenser-token', 'not-a-token')");
        browser.Navigate().GoToUrl(host.Url + "/#/d/" + open.Ids.Single());
        browser.Navigate().Refresh();
        var title = c.Get(open.Ids.Single(), Principal.Anonymous);
        wait.Until(b => b.FindElement(By.Id("title")).Text == (title.Title ?? title.FileName));
        Assert.True(browser.FindElement(By.Id("who-notice")).Displayed);

        // A wrong token typed in: refused the same way; the right one signs in and shows the project's record.
        browser.Navigate().GoToUrl(host.Url + "/#/");
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 1);
        browser.FindElement(By.Id("token")).SendKeys("wrong");
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(b => b.FindElement(By.Id("who-notice")).Text.Contains("refused", StringComparison.Ordinal));
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 1);
        browser.FindElement(By.Id("token")).Clear();
        browser.FindElement(By.Id("token")).SendKeys(token);
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(b => b.FindElement(By.Id("who-name")).Text.StartsWith("reader", StringComparison.Ordinal));
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 2);
        Assert.False(browser.FindElement(By.Id("who-notice")).Displayed);
        Assert.Single(browser.FindElements(By.CssSelector($".card[data-id='{hidden.Ids.Single()}']")));

        // Signing out forgets the token and shows what anyone may see.
        Assert.False(browser.FindElement(By.Id("token")).Displayed);
        browser.FindElement(By.Id("sign-out")).Click();
        wait.Until(b => b.FindElements(By.CssSelector(".card")).Count == 1);
        Assert.Equal("anonymous", browser.FindElement(By.Id("who-name")).Text);
        Assert.True(browser.FindElement(By.Id("token")).Displayed);
        Assert.False(browser.FindElement(By.Id("sign-out")).Displayed);
        Assert.Null(js.ExecuteScript("return localStorage.getItem('condenser-token')"));
        Assert.Empty(browser.FindElements(By.Id("error")));
    }

    [Fact]
    public async Task TheImageViewerHasAColourBarAReadOutRoomAndAFrameSliderForStacks()
    {
        await using var host = await ServerHost.Start("sqlite");
        var c = host.Catalog;
        var stackFile = Path.Combine(host.Library.CopyFixtures("emd/fei_example_tem_stack.emd"), "fei_example_tem_stack.emd");
        var stack = c.Ingestor.IngestFile(stackFile, Principal.Local, new IngestOptions { Project = "demo", Visibility = Visibility.Public });
        var id = stack.Ids.Single();
        int frames = c.Get(id, Principal.Anonymous).Shape[0];
        Assert.True(frames > 1);

        using var browser = Browser(Path.Combine(host.Library.Folder, "chromium-profile"));
        var js = (IJavaScriptExecutor)browser;
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
        browser.Navigate().GoToUrl(host.Url + "/#/d/" + id);
        wait.Until(b => b.FindElements(By.CssSelector("#image-colorbar[data-high]")).Count == 1);
        double Limit(string which) => double.Parse(browser.FindElement(By.Id("image-colorbar")).GetAttribute("data-" + which)!, System.Globalization.CultureInfo.InvariantCulture);
        void Slide(string selector, string value) => js.ExecuteScript("const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', { bubbles: true }));", selector, value);

        // The colour bar's limits follow the contrast sliders.
        double high = Limit("high"), low = Limit("low");
        Assert.True(high > low, $"limits {low} … {high}");
        Slide(".viewer input[data-k=high]", "50");
        wait.Until(_ => Limit("high") < high);
        Slide(".viewer input[data-k=low]", "20");
        wait.Until(_ => Limit("low") > low);

        // The read-out names the pixel under the cursor, its calibrated position and its value.
        new Actions(browser).MoveToElement(browser.FindElement(By.Id("image")), 5, 5).Perform();
        wait.Until(b => b.FindElement(By.Id("image-readout")).Text.StartsWith("row ", StringComparison.Ordinal));
        Assert.Matches(@"x \d+(\.\d+)? (pm|nm|µm)", browser.FindElement(By.Id("image-readout")).Text);

        // The view grows to the window and back.
        int width = browser.FindElement(By.Id("image")).Size.Width;
        browser.FindElement(By.CssSelector(".viewer button[data-k=window]")).Click();
        wait.Until(b => b.FindElement(By.Id("image")).Size.Width > width);
        browser.FindElement(By.CssSelector(".viewer button[data-k=window]")).Click();
        wait.Until(b => b.FindElement(By.Id("image")).Size.Width == width);

        // A stack starts on its mean; the slider shows each frame, and back to the mean.
        Assert.StartsWith("mean of", browser.FindElement(By.Id("frame-label")).Text, StringComparison.Ordinal);
        Slide("#frame-slider", "1");
        wait.Until(b => b.FindElement(By.Id("image-caption")).Text == $"frame 2 of {frames}");

        // The value under the cursor (the centre pixel) is the file's, in that frame.
        double[] second;
        int cols;
        using (var file = Condenser.Formats.FormatRegistry.Open(stackFile))
        {
            var ds = file.Datasets[0];
            var bytes = new byte[ds.FrameBytes];
            ds.ReadFrame(1, bytes);
            second = new double[ds.Shape.SignalCount];
            ds.DType.ReadInto(bytes, second);
            cols = ds.Shape.Signal[^1];
        }

        new Actions(browser).MoveToElement(browser.FindElement(By.Id("image")), 1, 1).Perform();
        new Actions(browser).MoveToElement(browser.FindElement(By.Id("image")), 0, 0).Perform(); // a move, so the read-out is of this frame
        wait.Until(b => b.FindElement(By.Id("image-readout")).Text.StartsWith("row ", StringComparison.Ordinal));
        var readout = browser.FindElement(By.Id("image-readout")).Text;
        var at = System.Text.RegularExpressions.Regex.Match(readout, @"^row (\d+), column (\d+)");
        double expectedValue = second[(int.Parse(at.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * cols) + int.Parse(at.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)];
        Assert.Equal(expectedValue, double.Parse(browser.FindElement(By.Id("image-readout")).GetAttribute("data-value")!, System.Globalization.CultureInfo.InvariantCulture));
        Slide("#frame-slider", "0");
        wait.Until(b => b.FindElement(By.Id("image-caption")).Text == $"frame 1 of {frames}");
        Slide("#frame-slider", "-1");
        wait.Until(b => b.FindElement(By.Id("frame-label")).Text.StartsWith("mean of", StringComparison.Ordinal));
        Assert.Empty(browser.FindElements(By.Id("error")));
        Screenshots(browser, "stack");
    }

    [Fact]
    public async Task AnAutopilotRunIsStartedFollowedStoppedAndResumedFromThePage()
    {
        await using var host = await ServerHost.Start("sqlite");
        var token = host.Catalog.Users.Add("operator", Role.Contributor, null, ["autopilot"]).Token;
        using var browser = Browser(Path.Combine(host.Library.Folder, "chromium-profile"));
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(90));
        browser.Navigate().GoToUrl(host.Url);
        browser.FindElement(By.Id("token")).SendKeys(token);
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(b => b.FindElement(By.Id("who-name")).Text.StartsWith("operator", StringComparison.Ordinal));
        browser.FindElement(By.Id("nav-autopilot")).Click();
        wait.Until(b => b.FindElements(By.Id("ap-form")).Count == 1);

        void Set(string id, string value)
        {
            var e = browser.FindElement(By.Id(id));
            e.Clear();
            e.SendKeys(value);
        }

        // A small run to its end: the map is drawn with its probes, the uncertainty beside it, the record linked.
        Set("ap-grid", "24");
        Set("ap-fov", "100");
        ((IJavaScriptExecutor)browser).ExecuteScript("document.getElementById('ap-policy').value = 'gp-variance'");
        browser.FindElement(By.Id("ap-start")).Click();
        wait.Until(b => b.FindElements(By.Id("ap-state")).Count == 1 || b.FindElements(By.Id("error")).Count > 0);
        Assert.Empty(browser.FindElements(By.Id("error")).Select(e => e.Text));
        wait.Until(b => b.FindElement(By.Id("ap-state")).GetAttribute("data-state") == "finished");
        Assert.Contains("115 of 115 probes", browser.FindElement(By.Id("ap-state")).Text);
        Assert.StartsWith("posterior mean · 115 probes", browser.FindElement(By.Id("ap-map-caption")).Text);
        Assert.Equal("576", browser.FindElement(By.Id("ap-map")).GetAttribute("data-drawn"));
        Assert.Equal("576", browser.FindElement(By.Id("ap-std")).GetAttribute("data-drawn"));
        Assert.Single(browser.FindElements(By.Id("ap-record")));

        // A longer run, stopped from the page while it fills in, then resumed to its end.
        browser.FindElement(By.LinkText("all runs")).Click();
        wait.Until(b => b.FindElements(By.CssSelector("tr.ap-run")).Count == 1);
        Set("ap-grid", "48");
        Set("ap-fov", "100");
        Set("ap-fraction", "0.4");
        browser.FindElement(By.Id("ap-start")).Click();
        wait.Until(b => b.FindElements(By.Id("ap-stop")).Count == 1 && b.FindElement(By.Id("ap-state")).GetAttribute("data-state") == "running");
        browser.FindElement(By.Id("ap-stop")).Click();
        wait.Until(b => b.FindElement(By.Id("ap-state")).GetAttribute("data-state") == "stopped");
        browser.FindElement(By.Id("ap-resume")).Click();
        wait.Until(b => b.FindElement(By.Id("ap-state")).GetAttribute("data-state") == "finished");
        Assert.Contains("922 of 922 probes", browser.FindElement(By.Id("ap-state")).Text);
        Assert.Empty(browser.FindElements(By.Id("error")));
    }

    [Fact]
    public async Task ADetectorIsEditedSavedAsAnAnalysisAndItsResultIsALinkedRecord()
    {
        await using var host = await ServerHost.Start("sqlite");
        var c = host.Catalog;
        var (ada, token) = c.Users.Add("ada", Role.Contributor, "Lab A", ["alpha"]);
        var dir = host.Library.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr");
        var input = c.Ingestor.IngestPaths([dir], c.Users.PrincipalOf(ada.Id)!, new IngestOptions { Project = "alpha" }).Single().Ids.Single();

        using var browser = Browser(Path.Combine(host.Library.Folder, "chromium-profile"));
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(60));
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException)); // the panel is redrawn when a job ends
        browser.Navigate().GoToUrl(host.Url);
        browser.FindElement(By.Id("token")).SendKeys(token);
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(b => b.FindElement(By.Id("who-name")).Text.StartsWith("ada", StringComparison.Ordinal));
        browser.Navigate().GoToUrl($"{host.Url}/#/d/{input}");
        wait.Until(b => b.FindElement(By.Id("real-caption")).Text.Contains("bright field", StringComparison.Ordinal));
        wait.Until(b => b.FindElement(By.Id("pattern-caption")).Text.Contains("mean pattern", StringComparison.Ordinal));

        // This detector has no calibration: radii and sizes are in pixels only.
        Assert.False(browser.FindElement(By.CssSelector("#det-units option[value='mrad']")).Enabled);

        // A rectangle typed in detector pixels: the scan shows that detector's image.
        Choose(browser, "detector-shape", "rectangle");
        Assert.False(browser.FindElement(By.Id("det-h")).Displayed && browser.FindElement(By.Id("det-rout")).Displayed);
        foreach (var (field, value) in new[] { ("det-cy", "100"), ("det-cx", "150"), ("det-h", "30"), ("det-w", "8") })
        {
            browser.FindElement(By.Id(field)).Clear();
            browser.FindElement(By.Id(field)).SendKeys(value);
        }

        browser.FindElement(By.Id("det-apply")).Click();
        wait.Until(b => b.FindElement(By.Id("real-caption")).Text.Contains("rectangle 30 × 8 px around (100, 150)", StringComparison.Ordinal));

        // The centre-of-mass view; a map chosen while the previous one is still on its way (held back 800 ms here)
        // is the one shown, not overwritten by the late answer.
        ((IJavaScriptExecutor)browser).ExecuteScript("""
            const original = window.fetch; let held = false;
            window.fetch = (u, o) => !held && String(u).includes("/view/com?map=magnitude") ? (held = true, new Promise(r => setTimeout(() => r(original(u, o)), 800))) : original(u, o);
            """);
        Choose(browser, "detector-shape", "com");
        Choose(browser, "com-map", "shift_x");
        wait.Until(b => b.FindElement(By.Id("real-caption")).Text.StartsWith("com shift x (px)", StringComparison.Ordinal));
        Thread.Sleep(1200);
        Assert.StartsWith("com shift x (px)", browser.FindElement(By.Id("real-caption")).Text, StringComparison.Ordinal);
        Choose(browser, "detector-shape", "rectangle");
        wait.Until(b => b.FindElement(By.Id("real-caption")).Text.Contains("rectangle 30 × 8 px", StringComparison.Ordinal));

        // Saved as an analysis: a job with its progress, then the result as a record linked to this one.
        browser.FindElement(By.Id("save-analysis")).Click();
        wait.Until(b => b.FindElement(By.Id("job-status")).GetAttribute("data-state") == "done" && b.FindElements(By.CssSelector("#job-status a.job-record")).Count == 1);
        Assert.Empty(browser.FindElements(By.Id("error")));
        var resultId = browser.FindElement(By.CssSelector("#job-status a.job-record")).Text;
        Assert.Single(browser.FindElements(By.CssSelector($"#lineage-into a.lineage-link[data-id='{resultId}']")));
        var row = c.Analyses(input, Principal.Local).Single(a => a.Provenance is not null && a.Outputs.Contains(resultId, StringComparison.Ordinal));
        var saved = System.Text.Json.Nodes.JsonNode.Parse(row.Parameters)!;
        Assert.Equal((30.0, 8.0, "rectangle"), (saved["rectangle_height_px"]!.GetValue<double>(), saved["rectangle_width_px"]!.GetValue<double>(), saved["detector_shape"]!.GetValue<string>()));
        Screenshots(browser, "analysis-saved");

        // The result's page names its input; an analysis of it runs from the panel's form.
        browser.FindElement(By.CssSelector("#job-status a.job-record")).Click();
        wait.Until(b => b.FindElements(By.CssSelector($"#lineage-from a.lineage-link[data-id='{input}']")).Count == 1);
        Assert.Contains("virtual-image", browser.FindElement(By.Id("lineage-from")).Text, StringComparison.Ordinal);
        wait.Until(b => b.FindElements(By.CssSelector("#run-analysis option")).Count > 3);
        Choose(browser, "run-analysis", "pattern-stats");
        browser.FindElement(By.Id("run-start")).Click();
        wait.Until(b => b.FindElement(By.Id("job-status")).GetAttribute("data-state") == "done");
        Assert.Equal(4, c.Lineage(resultId, Principal.Local).MadeInto.Count);
        Screenshots(browser, "lineage");

        // Bad parameters fail the job with the reason on the page.
        wait.Until(b => b.FindElements(By.CssSelector("#run-analysis option")).Count > 3);
        Choose(browser, "run-analysis", "pattern-stats");
        browser.FindElement(By.Id("run-parameters")).Clear();
        browser.FindElement(By.Id("run-parameters")).SendKeys("{\"bins\": 3}");
        browser.FindElement(By.Id("run-start")).Click();
        wait.Until(b => b.FindElement(By.Id("job-status")).GetAttribute("data-state") == "failed");
        Assert.Contains("'bins'", browser.FindElement(By.Id("job-status")).Text, StringComparison.Ordinal);
    }
}
